# dancu — one Makefile. Verbs: all (default), test, asan, check, bench, demo,
# fuzz, clean. `make help` lists them.
#
# Builds go to $(B) (build/ by default; build-asan/ for `make asan`).

CC      ?= cc
B       ?= build
SAN     ?=
PKGS    := libh2o-evloop jansson sqlite3 libpq openssl libsodium cjose liboath libqrencode libpng libutf8proc libpcsclite
TESTPKGS := cmocka

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   := $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wformat=2 -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS  ?=
override CFLAGS += -std=c17 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 $(WARN) $(OPT) -Iinclude -Isrc -I$(B)/gen \
           -fno-strict-aliasing $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(shell find src -name '*.c' -not -path 'src/cli/*' | sort)
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
GEN_SRC  := $(B)/gen/units_data.c
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/units_data.o $(B)/obj/gen/web_data.o
WEB_FILES := $(shell find web -type f ! -name '.*' 2>/dev/null | sort)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
LIB      := $(B)/libdancu.a
BIN      := $(B)/dancu

TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(shell find tests/unit tests/conformance -name '*.c' 2>/dev/null | sort)
TEST_BIN := $(TEST_SRC:%.c=$(B)/%)

BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:%.c=$(B)/%)

HEADERS := $(wildcard include/dancu/*.h) $(shell find src -name '*.h')

.SECONDARY:
.PHONY: all test asan check bench demo fuzz clean help deps format lint symcheck test-crash
all: $(BIN) $(LIB) $(TEST_BIN)

help:
	@echo "make            build $(BIN), $(LIB) and the tests"
	@echo "make demo       install missing packages, build, generate a population, import it, report"
	@echo "make test       install missing packages, build, run every test (incl. a real PostgreSQL)"
	@echo "make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make test-crash SIGKILL under mixed write load, 20 iterations, SQLite and PostgreSQL"
	@echo "make check      tests + clang-format + cppcheck + exported-symbol prefix check"
	@echo "make bench      benchmarks, side by side with peers (see docs/PERFORMANCE.md)"
	@echo "make fuzz       run every libFuzzer target for FUZZ_SECONDS (default 30) each"

deps:
	@scripts/deps.sh test

$(B)/gen/units_data.c: data/admin-units-2025.csv data/id-province-codes.csv data/holidays-vn.csv docs/openapi.json scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $@ dc__units_csv data/admin-units-2025.csv dc__prefix_csv data/id-province-codes.csv \
		dc__holidays_csv data/holidays-vn.csv dc__openapi_json docs/openapi.json

# The web UI (web/**), embedded for src/http/api_ui.c.
$(B)/gen/web_data.c: $(WEB_FILES) scripts/embed_web.sh
	@mkdir -p $(@D)
	scripts/embed_web.sh $@ web

$(B)/obj/gen/web_data.o: $(B)/gen/web_data.c src/http/api_ui.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(B)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/obj/gen/units_data.o: $(B)/gen/units_data.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(B)/tests/%: tests/%.c $(LIB) $(TESTLIB_OBJ) $(HEADERS) $(wildcard tests/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Itests -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
		$(TESTLIB_OBJ) $(LIB) $(TEST_LIBS) $(LDLIBS)

$(B)/bench/%: bench/%.c $(LIB) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/test.sh $(B)

test-crash: deps
	@$(MAKE) --no-print-directory all
	@DANCU_CRASH_ITER=$${DANCU_CRASH_ITER:-20} DANCU_TEST_ONLY=crash scripts/test.sh $(B)

asan: deps
	@$(MAKE) --no-print-directory B=build-asan SAN=1 OPT="-O1 -g" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		DANCU_TEST_QUICK=1 scripts/test.sh build-asan

symcheck: $(LIB)
	@bad=$$(nm -g --defined-only $(LIB) | awk 'NF==3 {print $$3}' | grep -v '^dc_' || true); \
	if [ -n "$$bad" ]; then echo "exported symbols without the dc_ prefix:"; echo "$$bad"; exit 1; fi; \
	echo "symcheck: every exported symbol starts with dc_"

format:
	clang-format -i $$(find include src tests fuzz bench -name '*.[ch]')

lint:
	@clang-format --dry-run --Werror $$(find include src tests fuzz bench -name '*.[ch]')
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -Iinclude -Isrc -I$(B)/gen $(LIB_SRC) $(CLI_SRC)

check: test symcheck lint

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@scripts/bench.sh $(B)

demo:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BIN)
	@scripts/demo.sh $(B)

FUZZ_SECONDS ?= 30
FUZZ_SRC := $(sort $(wildcard fuzz/*.c))
fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

clean:
	rm -rf build build-asan build-fuzz
