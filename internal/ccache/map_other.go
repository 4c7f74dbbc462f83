//go:build !(linux || darwin || freebsd)

package ccache

import (
	"errors"
	"os"
)

// mapFile is not available here: entries are read into memory.
func mapFile(*os.File, int) ([]byte, func(), error) {
	return nil, nil, errors.ErrUnsupported
}
