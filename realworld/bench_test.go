package realworld

import (
	"testing"
	"time"
)

// BenchmarkPrograms measures the CPU time (user+system) each program takes
// natively, as the static wasm build, and dynamically linked under wasmdl,
// merged and separate. Every wasm run is a whole wasmdl process with a warm
// compilation cache (--cache-dir, filled by a first run that is not
// counted), so the figures are the steady-state cost of running the
// program, start-up included. The metric is cpu-ms/op; bench.sh (make
// realworld-bench) turns the output into a table. A run whose output
// differs from the native run's is not timed: the benchmark is skipped
// with the reason.
func BenchmarkPrograms(b *testing.B) {
	for _, p := range programs {
		b.Run(p.name, func(b *testing.B) {
			need(b, p)
			want := runNative(b, p)
			for _, m := range []mode{native, static, merged, separate} {
				b.Run(string(m), func(b *testing.B) {
					if m != native {
						if why := differs(p, want, run(b, p, m)); why != "" {
							b.Skipf("not timed: %s", why)
						}
					}
					var cpu time.Duration
					for i := 0; i < b.N; i++ {
						cpu += run(b, p, m).cpu
					}
					b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
				})
			}
		})
	}
}

// differs says how a run's results differ from the native run's, in short,
// or returns "" when the standard outputs and exit statuses agree.
func differs(p program, want, got *result) string {
	for i, s := range p.steps {
		if got.status[i] != want.status[i] {
			return s.String() + ": exit status differs from the native run"
		}
		out, _ := p.normalize(got.mode, got.stdout[i])
		wantOut, _ := p.normalize(native, want.stdout[i])
		if out != wantOut {
			return s.String() + ": standard output differs from the native run"
		}
	}
	return ""
}
