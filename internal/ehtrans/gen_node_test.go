package ehtrans

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAgainstNode checks the reference interpreter of the
// generated programs against Node, which runs legacy exception handling
// natively. It needs node, so it runs only with EHTRANS_NODE=1.
func TestGeneratedAgainstNode(t *testing.T) {
	if os.Getenv("EHTRANS_NODE") == "" {
		t.Skip("set EHTRANS_NODE=1 to compare the interpreter with node")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(2))
	type want struct {
		File   string  `json:"file"`
		Inputs []int32 `json:"inputs"`
		Want   []any   `json:"want"`
		Wrap   []int32 `json:"wrap"`
	}
	var cases []want
	stats := map[string]int{}
	for i := 0; i < 2000; i++ {
		b := make([]byte, 64+rng.Intn(400))
		rng.Read(b)
		p := generate(b)
		name := filepath.Join(dir, fmt.Sprintf("g%d.wasm", i))
		if err := os.WriteFile(name, p.encode(), 0o644); err != nil {
			t.Fatal(err)
		}
		c := want{File: name, Inputs: genInputs}
		for _, x := range genInputs {
			v, exn, ok := p.run(x)
			c.Wrap = append(c.Wrap, wrapped(v, exn))
			switch {
			case !ok:
				c.Want = append(c.Want, "steps")
			case exn != nil:
				c.Want = append(c.Want, "exception")
				stats["exception"]++
			default:
				c.Want = append(c.Want, v)
				stats["value"]++
			}
		}
		cases = append(cases, c)
	}
	js, _ := json.Marshal(cases)
	script := `
const fs = require('fs');
const cases = JSON.parse(fs.readFileSync(process.argv[2]));
let bad = 0;
for (const c of cases) {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(c.file)), {});
  c.inputs.forEach((x, i) => {
    let got;
    try { got = inst.exports.run(x); } catch (e) { got = e instanceof WebAssembly.Exception ? 'exception' : String(e); }
    if (c.want[i] !== 'steps' && got !== c.want[i]) { bad++; if (bad < 10) console.log(c.file, x, 'node', got, 'interp', c.want[i]); }
    const w = inst.exports.wrapped(x);
    if (c.want[i] !== 'steps' && w !== c.wrap[i]) { bad++; if (bad < 10) console.log(c.file, x, 'node wrapped', w, 'interp', c.wrap[i]); }
  });
}
console.log('mismatches', bad, 'of', cases.length * cases[0].inputs.length);
process.exit(bad ? 1 : 0);
`
	if err := os.WriteFile(filepath.Join(dir, "cases.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "check.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", filepath.Join(dir, "check.js"), filepath.Join(dir, "cases.json")).CombinedOutput()
	t.Logf("interpreter outcomes: %v\n%s", stats, out)
	if err != nil {
		t.Fatal(err)
	}
}
