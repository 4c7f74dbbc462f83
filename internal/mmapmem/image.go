package mmapmem

// An Image is a frozen copy of a memory's first bytes that memories can
// start from: what Process.Fork gives a new process. On Linux it is a
// memfd, mapped copy-on-write into each memory that uses it, so starting
// a memory from it costs the same whatever its size and copies a page
// only when someone writes it; elsewhere it is a byte slice, copied.

// Image is a frozen copy of memory contents.
type Image struct {
	size int
	img  image // the platform's representation
}

// Size is the number of bytes the image holds.
func (i *Image) Size() int { return i.size }

// Release frees the image. Memories started from it keep their contents.
func (i *Image) Release() {
	if i != nil && i.img != nil {
		i.img.release()
		i.img = nil
	}
}

// NewImage freezes a copy of b.
func NewImage(b []byte) (*Image, error) {
	img, err := newImage(b)
	if err != nil {
		return nil, err
	}
	return &Image{size: len(b), img: img}, nil
}

// Load makes the first img.Size() bytes of mem those of the image; mem
// must be at least that long. A Memory this package made maps the image
// copy-on-write; any other memory gets a copy.
func Load(mem []byte, img *Image) error {
	if len(mem) < img.size {
		return errTooSmall
	}
	return img.img.load(mem[:img.size])
}

type image interface {
	load(dst []byte) error
	release()
}

// sliceImage is an image as a Go slice.
type sliceImage []byte

func (s sliceImage) load(dst []byte) error { copy(dst, s); return nil }
func (s sliceImage) release()              {}
