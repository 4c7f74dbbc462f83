package main

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The memory-ownership fixtures (testdata/mem) run with the other native
// comparisons in TestRunMatchesNative, with a fixed seed. The same program
// runs longer here, with other seeds, when asked:
//
//	go test ./cmd/wasmdl -run TestMemoryStress -stress.iterations 20000 -stress.seeds 3
//
// (make stress). There is no native run to compare with then; the program
// checks every byte itself and stops at the first bad one, and the four
// builds must print exactly the same thing, merged and separate.
var (
	stressIterations = flag.Int("stress.iterations", 0, "run the testdata/mem stress with this many random operations per seed (0: skip)")
	stressSeeds      = flag.Int("stress.seeds", 3, "number of seeds for -stress.iterations")
)

func TestMemoryStress(t *testing.T) {
	if *stressIterations == 0 {
		t.Skip("long stress: set -stress.iterations (make stress)")
	}
	variants := []string{"lazy", "heapend", "pie", "noalloc"}
	for seed := 1; seed <= *stressSeeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var mu sync.Mutex
			outputs := map[string]string{}
			var wg sync.WaitGroup
			for _, v := range variants {
				for _, mode := range []string{"merged", "separate"} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						args := []string{"-L", "../libs"}
						if mode == "separate" {
							args = append(args, "--separate")
						}
						args = append(args, "main.wasm", fmt.Sprint(seed*7919), fmt.Sprint(*stressIterations))
						var out, errb bytes.Buffer
						status := runIn(filepath.Join("../../testdata/mem", v), args, &out, &errb)
						if status != 0 || !strings.Contains(out.String(), "random operations: all verified") {
							t.Errorf("%s %s: status %d\nstdout:\n%s\nstderr:\n%s", v, mode, status, out.String(), errb.String())
							return
						}
						mu.Lock()
						outputs[v+" "+mode] = out.String()
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			// Every build with an allocator does the same operations.
			want := outputs["lazy merged"]
			for k, got := range outputs {
				if !strings.HasPrefix(k, "noalloc") && got != want {
					t.Errorf("%s printed\n%s\nlazy merged printed\n%s", k, got, want)
				}
			}
			if a, b := outputs["noalloc merged"], outputs["noalloc separate"]; a != b {
				t.Errorf("noalloc: merged printed\n%s\nseparate printed\n%s", a, b)
			}
		})
	}
}

// TestRunRefusesDataPastMemory: a main whose data lies past its initial
// memory would share bytes with the libraries placed there; it is refused
// before anything runs, naming the file, the segment and the range.
func TestRunRefusesDataPastMemory(t *testing.T) {
	var out, errb bytes.Buffer
	status := runIn("../../internal/check/testdata", []string{"past_memory.wasm"}, &out, &errb)
	want := "wasmdl: past_memory.wasm: data segment 1 at [0xfffa, 0x1000b) lies past its initial memory of 65536 bytes"
	if status != 127 || !strings.Contains(errb.String(), want) {
		t.Fatalf("status %d, stderr %q", status, errb.String())
	}
}
