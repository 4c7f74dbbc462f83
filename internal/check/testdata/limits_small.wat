;; Accepts at most 2 pages.
(module (import "env" "memory" (memory 1 2)))
