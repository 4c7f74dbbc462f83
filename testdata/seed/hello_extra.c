/* SEED exp1 (extra): "HELLO" at the same data offset as main's "hello".
 * The exported getter keeps the constant from being optimised away. */
__attribute__((export_name("get_greeting"))) const char *get_greeting(void) { return "HELLO"; }
