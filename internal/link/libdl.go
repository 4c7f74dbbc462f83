package link

// libdlFuncs are the libdl host functions (dlopen, dlsym, ...).
func (l *Linker) libdlFuncs() []hostFunc { return nil }
