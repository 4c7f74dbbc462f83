;; Needs at least 4 pages.
(module (import "env" "memory" (memory 4)))
