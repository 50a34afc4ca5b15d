# Front door: make (build), make run, make test, make bench, make install.
BUILD      ?= build
ASAN_BUILD ?= build-asan
PREFIX     ?= /usr/local
LISTEN     ?= 127.0.0.1:8080
DB         ?= data/imagerouter.db
JOBS       ?= $(shell nproc)

.PHONY: all deps run test test-fast test-asan bench install clean

all: $(BUILD)/imagerouter

deps:
	@scripts/install-deps.sh

# The prefix is also where the binary looks for imagerouter-vips.so (it
# finds <exe dir>/../lib/imagerouter/ under any prefix as well).
$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX)

$(BUILD)/imagerouter: $(BUILD)/Makefile FORCE
	cmake --build $(BUILD) -j $(JOBS)

FORCE:

run: deps
	$(MAKE) all
	@mkdir -p $(dir $(DB))
	$(BUILD)/imagerouter serve --listen $(LISTEN) --db $(DB)

# The whole suite, then the whole suite again under ASan+UBSan.
test: deps
	$(MAKE) all
	scripts/test-deps.sh
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DIR_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  IR_TEST_SANITIZED=1 ctest --output-on-failure -j $(JOBS) -LE nosan

# Quick loop while developing: unit tests only, no sanitizer pass.
test-fast: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Every scenario of the performance issue and one combined table
# (bench/run.sh; BENCH_ARGS=--quick for the short version, < 2 minutes).
bench: deps all
	BUILD=$(BUILD) bench/run.sh $(BENCH_ARGS)

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
