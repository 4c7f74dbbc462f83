package ehtrans

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/wasmfile"
)

func TestDumpDebug(t *testing.T) {
	name := os.Getenv("DUMP")
	if name == "" {
		t.Skip()
	}
	var fn int
	fmt.Sscan(os.Getenv("FN"), &fn)
	out, err := Translate(readTestdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := wasmfile.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := f.Instructions(fn)
	if err != nil {
		t.Fatal(err)
	}
	d := 0
	for _, in := range ins {
		if in.Op == 0x0b || in.Op == 0x05 {
			d--
		}
		fmt.Printf("%s%#x % x\n", strings.Repeat("  ", d), in.Op, out[in.Off:in.End])
		if in.Op == 2 || in.Op == 3 || in.Op == 4 || in.Op == 0x1f || in.Op == 0x05 {
			d++
		}
	}
}
