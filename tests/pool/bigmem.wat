;; bigmem.wat -- a WAGI guest whose initial memory is 32 MiB: it cannot be
;; instantiated under a smaller --max-memory-size or memory budget.
(module
  (memory 512)
  (func (export "_start")))
