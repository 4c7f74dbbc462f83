package cpython

import (
	"regexp"
	"time"
)

// regrTest is one of CPython's test modules, run with python -m test, and
// the extension modules it tests.
type regrTest struct {
	name    string   // regrtest's name: test_math
	modules []string // the extension modules it exercises
	minutes int      // the deadline of a wasm run (native: a quarter), default 5
	slow    bool     // over 30 s per wasm run on 2 cores: only with WASMDL_CPYTHON=full
	// ignore: regrtest --ignore patterns, for both runs, each with why
	ignore map[string]string
	// nativeOnly: test cases that only the native build has, and why
	nativeOnly map[string]string
}

func (tc regrTest) timeout(m mode) time.Duration {
	n := tc.minutes
	if n == 0 {
		n = 5
	}
	d := time.Duration(n) * time.Minute
	if m == native {
		d /= 4
	}
	return d
}

// regrTests covers every extension module the build produces (TestRegrtest
// fails for a module that is neither here nor in untested). Each module's
// own test file, run whole.
var regrTests = []regrTest{
	{name: "test_math", modules: []string{"math"}, slow: true},
	{name: "test_cmath", modules: []string{"cmath"}},
	{name: "test_struct", modules: []string{"_struct"}},
	{name: "test_json", modules: []string{"_json"}},
	{name: "test_hashlib", modules: []string{"_md5", "_sha1", "_sha256", "_sha512", "_sha3", "_blake2"}},
	{name: "test_zlib", modules: []string{"zlib"}},
	{name: "test_binascii", modules: []string{"binascii"}},
	{name: "test_sqlite3", modules: []string{"_sqlite3"}},
	{name: "test_datetime", modules: []string{"_datetime"}, minutes: 10},
	{name: "test_array", modules: []string{"array"}},
	{name: "test_bisect", modules: []string{"_bisect"}},
	{name: "test_heapq", modules: []string{"_heapq"}},
	{name: "test_random", modules: []string{"_random"}},
	{name: "test_statistics", modules: []string{"_statistics"}, minutes: 10, slow: true},
	{name: "test_csv", modules: []string{"_csv"}},
	{name: "test_pickle", modules: []string{"_pickle"}, minutes: 10, slow: true},
	{name: "test_decimal", modules: []string{"_decimal"}, minutes: 10, slow: true},
	{name: "test_unicodedata", modules: []string{"unicodedata"}},
	{name: "test_codecencodings_cn", modules: []string{"_codecs_cn", "_multibytecodec"}},
	{name: "test_codecencodings_hk", modules: []string{"_codecs_hk"}},
	{name: "test_codecencodings_iso2022", modules: []string{"_codecs_iso2022"}},
	{name: "test_codecencodings_jp", modules: []string{"_codecs_jp"}},
	{name: "test_codecencodings_kr", modules: []string{"_codecs_kr"}},
	{name: "test_codecencodings_tw", modules: []string{"_codecs_tw"}},
	{name: "test_multibytecodec", modules: []string{"_multibytecodec"}},
	{name: "test_xml_etree_c", modules: []string{"_elementtree", "pyexpat"}},
	{name: "test_pyexpat", modules: []string{"pyexpat"}},
	{name: "test_context", modules: []string{"_contextvars"}},
	{name: "test_audioop", modules: []string{"audioop"}},
	{name: "test_crypt", modules: []string{"_crypt"}, slow: true},
	{name: "test_cprofile", modules: []string{"_lsprof"}},
	{name: "test__opcode", modules: []string{"_opcode"}},
	{name: "test_typing", modules: []string{"_typing"}},
	{name: "test_capi", modules: []string{"_testcapi", "_testinternalcapi"}, minutes: 10,
		ignore: map[string]string{
			"test_module_state_shared_in_global": "calls os.pipe, which WASI lacks, without a skip (an error on WASI)",
		},
		nativeOnly: map[string]string{
			"test.test_capi.test_misc.Test_testcapi.test_pep3118_obsolete_write_locks": "_testcapi defines it for Linux and FreeBSD only",
		}},
	{name: "test_buffer", modules: []string{"_testbuffer"}, minutes: 10, slow: true},
	{name: "test_xxlimited", modules: []string{"xxlimited", "xxlimited_35"}},
	{name: "test_xxtestfuzz", modules: []string{"_xxtestfuzz"}},
	{name: "test_importlib", modules: []string{"_testimportmultiple", "_testmultiphase"}, minutes: 10},
}

// untested are the extension modules whose CPython tests cannot run on
// WASI, and why. TestImportAll still imports and finalizes them.
var untested = map[string]string{
	"_asyncio":    "test_asyncio needs sockets (an event loop's self-pipe): CPython skips the whole package on WASI",
	"_socket":     "test_socket needs working sockets: CPython skips it on WASI",
	"_queue":      "test_queue needs threads (requires_working_threading(module=True)): CPython skips it on WASI",
	"_testclinic": "test_clinic needs the source tree's Tools/clinic, which is not installed: it skips natively too",
	"_zoneinfo":   "test_zoneinfo needs lzma (its test data is xz-compressed), which neither build has (no liblzma for wasm)",
	"select":      "test_select needs working sockets (requires_working_socket(module=True)): CPython skips it on WASI",
}

// skipReasons are the reasons for which a test may be skipped under wasmdl
// although the native run passes it: facts of WASI and of CPython's WASI
// port, each matched on regrtest's skip message.
var skipReasons = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`requires subprocess support|requires 'fork'|requires os.fork|requires working os.fork|test requires fork|no subprocess`),
		"WASI has no processes (no fork, exec or subprocess)"},
	{regexp.MustCompile(`requires threading support|can't start new thread|test requires working threading|requires threads|threading`),
		"WASI has no threads (CPython's WASI build uses pthread stubs)"},
	{regexp.MustCompile(`requires working socket|requires sockets|socket`),
		"WASI has no working sockets"},
	{regexp.MustCompile(`^_posixsubprocess required for this test\.$`),
		"WASI has no processes (no fork, exec or subprocess)"},
	{regexp.MustCompile(`^requires os\.pipe\(\)$`),
		"WASI has no pipes"},
	{regexp.MustCompile(`^need pymalloc$`),
		"CPython's configure disables pymalloc for WASI"},
	{regexp.MustCompile(`^not supported on Emscripten/WASI$`),
		"CPython's test itself skips it on WASI"},
	{regexp.MustCompile(`^tzset required$`),
		"WASI libc has no tzset"},
	{regexp.MustCompile(`^requires 64bit platform$`),
		"wasm32 is a 32-bit platform"},
}

// nativeOnlySkip matches the reasons for which the native (64-bit) run
// skips a test that the wasm32 run may pass: tests of 32-bit platforms.
var nativeOnlySkip = regexp.MustCompile(`^test is only meaningful on 32-bit builds$`)
