/* SEED exp4: the only content is a constant string (plus its getter). */
__attribute__((export_name("get_message"))) const char *get_message(void) {
  return "only a constant";
}
