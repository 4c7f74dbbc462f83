package wazerofix

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// A module defining a table, and one importing it.
var (
	definer  = []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 4, 4, 1, 0x70, 0, 1, 7, 5, 1, 1, 't', 1, 0}
	importer = []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 2, 9, 1, 1, 'd', 1, 't', 1, 0x70, 0, 0}
)

func TestPruneTables(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	def, err := rt.InstantiateWithConfig(ctx, definer, wazero.NewModuleConfig().WithName("d"))
	if err != nil {
		t.Fatal(err)
	}
	cm, err := rt.CompileModule(ctx, importer)
	if err != nil {
		t.Fatal(err)
	}
	var open []interface{ Close(context.Context) error }
	for i := 0; i < 10; i++ {
		m, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, m)
	}
	if n := PruneTables(def); n != 0 {
		t.Fatalf("pruned %d instances while all are open", n)
	}
	for _, m := range open[:7] {
		m.Close(ctx)
	}
	if n := PruneTables(def); n != 7 {
		t.Fatalf("pruned %d closed instances, want 7", n)
	}
	if n := PruneTables(def); n != 0 {
		t.Fatalf("pruned %d again", n)
	}
}
