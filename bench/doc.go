// Package bench holds wasmdl's performance benchmarks: the synthetic
// N-library program is generated and built by ./gen, the
// in-process benchmarks are the Benchmark functions of this package, the
// whole-process comparison is run.sh (make bench). See README.md.
//
//	go run ./bench/gen -n 100                 # build bench/build/100
//	go test ./bench -run '^$' -bench . -benchtime 20x
package bench
