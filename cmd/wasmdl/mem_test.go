package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
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

// TestMain lets tests run the CLI as a child process of its own (to
// measure what a whole run costs the host): with WASMDL_TEST_CLI set, the
// test binary is wasmdl.
func TestMain(m *testing.M) {
	if args := os.Getenv("WASMDL_TEST_CLI"); args != "" {
		os.Exit(mainArgs(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runChild runs "wasmdl ARGS..." as a child process and returns its
// output and peak resident memory in bytes.
func runChild(t testing.TB, args ...string) (string, uint64) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "WASMDL_TEST_CLI="+strings.Join(args, "\x1f"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("wasmdl %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no resource usage on this system")
	}
	return out.String(), uint64(ru.Maxrss) * 1024 // kilobytes on Linux
}

// TestHostMemoryFollowsGuest: a guest that mallocs 256 MiB costs the host
// that much plus a small constant (wazero's default memory copied itself on
// every growth and kept the copies: 1.1 GB).
func TestHostMemoryFollowsGuest(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS in kilobytes is Linux's")
	}
	const guestMiB = 256
	out, rss := runChild(t, "run", "../../testdata/mem/bigheap/main.wasm", fmt.Sprint(guestMiB))
	if !strings.HasPrefix(out, fmt.Sprintf("allocated %d MiB", guestMiB)) {
		t.Fatalf("output %q", out)
	}
	if limit := uint64(guestMiB+96) << 20; rss > limit {
		t.Fatalf("host peak RSS %d MiB for %d MiB of guest memory (limit %d MiB)", rss>>20, guestMiB, limit>>20)
	}
}

// BenchmarkHostMemory reports the host's peak RSS for a guest that mallocs
// 256 MiB and 1 GiB: host-MiB against guest-MiB, and their difference.
func BenchmarkHostMemory(b *testing.B) {
	for _, guestMiB := range []int{256, 1024} {
		b.Run(fmt.Sprintf("guest=%dMiB", guestMiB), func(b *testing.B) {
			var rss uint64
			for i := 0; i < b.N; i++ {
				_, r := runChild(b, "run", "--max-memory", "2G", "../../testdata/mem/bigheap/main.wasm", fmt.Sprint(guestMiB))
				rss = max(rss, r)
			}
			b.ReportMetric(float64(rss>>20), "host-MiB")
			b.ReportMetric(float64(guestMiB), "guest-MiB")
			b.ReportMetric(float64(int64(rss>>20)-int64(guestMiB)), "overhead-MiB")
		})
	}
}
