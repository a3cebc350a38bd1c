# mk/phases.mk -- the engine's file graph (docs/ARCHITECTURE.md, "The
# engine's phases"): which file of src/wasm/ uses which, read from the
# objects' symbols, failing on an edge the phases forbid (decode.c or
# validate.c reaching compilation, inline copies or the interpreter).
#   make engine-graph    (also run by `make unit`)

.PHONY: engine-graph
engine-graph: $(BUILD)/libhive.a
	scripts/engine-graph.sh $(BUILD)

unit: engine-graph
