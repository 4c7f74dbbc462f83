//go:build ignore

// gen writes the hostile inputs attacks.sh feeds to wasmdl, into the
// folder given as its argument. Run: go run hardening/gen.go DIR
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmdl/wasmdl/wasmfile"
)

func leb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		if v >>= 7; v != 0 {
			b = append(b, c|0x80)
		} else {
			return append(b, c)
		}
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func section(id byte, payload []byte) []byte {
	return cat([]byte{id}, leb(uint64(len(payload))), payload)
}

// command is a module exporting _start of type () -> () with the given
// locals (encoded, count first) and body.
func command(locals, body []byte) []byte {
	code := cat(locals, body)
	return cat([]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		section(1, []byte{1, 0x60, 0, 0}),
		section(3, []byte{1, 0}),
		section(7, cat([]byte{1}, leb(6), []byte("_start"), []byte{0, 0})),
		section(10, cat([]byte{1}, leb(uint64(len(code))), code)))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func write(dir, name string, b []byte) {
	p := filepath.Join(dir, name)
	must(os.MkdirAll(filepath.Dir(p), 0o755))
	must(os.WriteFile(p, b, 0o644))
}

// program writes testdata/link/pie into dir/name with extra NEEDED
// entries and a RUNTIME_PATH on the main.
func program(dir, name string, extra, rpath []string) {
	for _, f := range []string{"main.wasm", "libpa.so", "libpb.so"} {
		b, err := os.ReadFile(filepath.Join("testdata/link/pie", f))
		must(err)
		if f == "main.wasm" {
			m, err := wasmfile.Parse(b)
			must(err)
			d := *m.Dylink
			d.Needed = append(append([]string(nil), d.Needed...), extra...)
			d.RuntimePath = rpath
			b, err = wasmfile.WithDylink(b, &d)
			must(err)
		}
		write(dir, filepath.Join(name, f), b)
	}
}

func main() {
	dir := os.Args[1]
	write(dir, "locals32.wasm", command(cat(leb(1), leb(1<<32-1), []byte{0x7e}), []byte{0x0b}))
	write(dir, "locals27.wasm", command(cat(leb(1), leb(1<<27), []byte{0x7e}), []byte{0x0b}))
	var blocks []byte
	for i := 0; i < 65536; i++ {
		blocks = append(blocks, 0x02, 0x40, 0x41, 0x00, 0x0d, 0x00, 0x0b)
	}
	write(dir, "blocks.wasm", command([]byte{0}, append(blocks, 0x0b)))
	br := cat([]byte{0x02, 0x40, 0x41, 0x00, 0x0e}, leb(1<<20), make([]byte, 1<<20), []byte{0, 0x0b, 0x0b})
	write(dir, "brtable.wasm", command([]byte{0}, br))
	names := section(0, cat(leb(4), []byte("name"), []byte{1, 5}, leb(1<<32-1)))
	write(dir, "names.wasm", cat(command([]byte{0}, []byte{0x0b}), names))
	program(dir, "needs-zero", []string{"zero"}, []string{"/dev"})
	program(dir, "needs-fifo", []string{"libfifo.so"}, nil)
	program(dir, "link-out", []string{"libsecret.so"}, nil)
	write(dir, "outside/libsecret.so", []byte("\x00asm\x01\x00\x00\x00"))
	program(dir, "cached", nil, nil)
}
