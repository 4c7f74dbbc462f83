;; Imports a shared (threads) memory.
(module (import "env" "memory" (memory 1 4 shared)))
