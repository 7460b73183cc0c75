# wsfeed: WebSocket feeds for Unix pipelines.
#
# make            build ws-broadcast, ws-listen and ws-snapshot here
# make test       install missing packages (as root), build, run every test
# make demo       vmstat 1 | ws-broadcast --format table -r vmstat
# make bench      ws-broadcast against Node peers and a C yardstick (QUICK=1)
# make install    PREFIX=/usr/local DESTDIR=
# SANITIZE=1      build and test with ASan and UBSan
# DEVELOPER=1     turn warnings into errors

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PYTHON ?= /usr/bin/python3

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

WARN = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
    -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
endif

LWS_LIBS := $(shell pkg-config --libs libwebsockets 2>/dev/null || \
    echo -lwebsockets)
LWS_CFLAGS := $(shell pkg-config --cflags libwebsockets 2>/dev/null)

# Our flags come first and the user's CFLAGS last, so that the user wins.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DWSFEED_VERSION='"$(VERSION)"' \
    -Ilib -Ibuild $(LWS_CFLAGS) $(WARN) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
# ws-listen asks OpenSSL why a server's certificate failed.
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || \
    echo -lcrypto)
LIBS = $(LWS_LIBS) -ljq $(CRYPTO_LIBS) -lm

PROGS = ws-broadcast ws-listen ws-snapshot
PROGS_BUILT = $(filter $(patsubst cmd/%.c,%,$(wildcard cmd/*.c)),$(PROGS))
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=build/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build/t/%)
WEB_FILES = $(sort $(wildcard web/*))
BENCH_BIN = build/bench/wsload build/bench/producer build/bench/yardstick
BENCH_LIB = build/bench/benchlib.o

all: $(PROGS_BUILT)

# A change of flags (SANITIZE=1 and back) must rebuild everything.
build/flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

build/%.o: %.c build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

build/webdata.c: $(WEB_FILES) lib/webgen.sh
	@mkdir -p build
	sh lib/webgen.sh $(WEB_FILES) > $@.tmp && mv $@.tmp $@

# The generated table lives in build/, so the pattern rule above misses it
# and make's built-in rule would compile it without -Ilib and our flags.
build/webdata.o: build/webdata.c build/flags
	$(CC) $(ALL_CFLAGS) -c -o $@ build/webdata.c

build/libwsfeed.a: $(LIB_OBJ) build/webdata.o
	rm -f $@
	ar rcs $@ $^

$(PROGS_BUILT): %: build/cmd/%.o build/libwsfeed.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

build/t/%: build/tests/unit/%.o build/libwsfeed.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The benchmark's C programs: load generator, producer, yardstick.
bench-progs: $(BENCH_BIN)

$(BENCH_BIN): build/bench/%: build/bench/%.o $(BENCH_LIB) build/libwsfeed.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

build/t/test_benchlib: $(BENCH_LIB)

# npm ci leaves node_modules/.package-lock.json behind: rerun on a new lock.
bench/node_modules/.package-lock.json: bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund

bench: all bench-progs
	@if command -v npm >/dev/null; then \
	    $(MAKE) bench/node_modules/.package-lock.json; \
	else echo 'bench: npm not found: Node.js peers skipped'; fi
	sh bench/run.sh $(if $(QUICK),--quick)

# libFuzzer targets, built with clang apart from the programs.
FUZZ_CC = clang
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Ilib -Ibuild -g -O1 $(LWS_CFLAGS) \
    -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_SECONDS ?= 60
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=build/fuzz/%.o)

build/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/libwsfeed.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libwsfeed.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS) -ldl

# Each target runs FUZZ_SECONDS from the seeds in tests/fuzz/corpus/.
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus/$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -max_len=4096 build/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
	        2>build/fuzz/$$n.log || { tail -40 build/fuzz/$$n.log; \
	        exit 1; }; \
	    grep -E 'stat::number_of_executed_units|stat::new_units_added' \
	        build/fuzz/$$n.log; \
	done

deps:
	@sh tests/deps.sh

unit: $(UNIT_BIN)
	prove -e '' $(UNIT_BIN)

e2e: all bench-progs
	HOME=$(CURDIR)/build/home $(PYTHON) -m pytest -q tests/e2e

check: unit e2e

test: deps
	$(MAKE) all
	$(MAKE) check

demo: deps
	$(MAKE) all
	sh tests/demo.sh

man-lint:
	mandoc -Tlint -W warning man/*.1 man/*.7

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7
	cp $(PROGS_BUILT) $(DESTDIR)$(BINDIR)/
	cp man/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp man/*.7 $(DESTDIR)$(MANDIR)/man7/

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f $(PROGS)
	cd $(DESTDIR)$(MANDIR)/man1 && rm -f $(PROGS:%=%.1)
	rm -f $(DESTDIR)$(MANDIR)/man7/wsfeed.7

format-check:
	git diff --name-only HEAD -- '*.c' '*.h' | \
	    xargs -r clang-format --dry-run -Werror

clean:
	rm -rf build $(PROGS)

FORCE:

.PHONY: fuzz all deps unit e2e check test demo man-lint install uninstall \
    format-check clean bench bench-progs FORCE
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
