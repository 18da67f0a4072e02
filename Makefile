# tollgate — the two commands are `make run` and `make test`; everything else is for developers.
BUILD       ?= build
BUILD_FUZZ  ?= build-fuzz
BUILD_ASAN  ?= build-asan
JOBS        ?= $(shell nproc)
OUT         ?= tollgate-sbom.cdx.json
VULN_OUT    ?= tollgate-vuln.txt
SHARED      ?= ../shared/data
CMAKE_FLAGS ?=

.PHONY: all run test build deps test-deps fuzz asan bench format format-check clean

all: build

deps:
	@bash scripts/deps.sh build

test-deps:
	@bash scripts/deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job: an SBOM of this machine's root file system.
# The summary (components per cataloger, files, edges) is printed on stderr by `sbom -o`.
# Then the advisories and indicators of the shared data (when present) into the default store,
# and the vulnerability summary of that SBOM on stderr (the findings table in $(VULN_OUT)).
run: build
	./$(BUILD)/tollgate sbom / -o $(OUT)
	@if [ -d $(SHARED)/osv ]; then \
	  ./$(BUILD)/tollgate db import -q $(SHARED)/osv/*/all.zip $(SHARED)/osv/malicious && \
	  { [ ! -d $(SHARED)/ioc ] || ./$(BUILD)/tollgate db import -q --ioc $(SHARED)/ioc/*.csv; } && \
	  ./$(BUILD)/tollgate vuln $(OUT) -o $(VULN_OUT); \
	else echo "no advisories at $(SHARED)/osv: 'tollgate db update' or 'db import', then 'tollgate vuln $(OUT)'"; fi

# The format check runs first (seconds), so a formatting slip fails before an hour of building.
test: test-deps format-check build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 2400

# libFuzzer targets built with clang-19 (ASan + UBSan), one per parser of untrusted bytes.
fuzz:
	@bash scripts/deps.sh fuzz
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
	  -DTOLLGATE_FUZZ=ON -DTOLLGATE_TESTS=OFF -DTOLLGATE_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	@echo "fuzz targets: $(BUILD_FUZZ)/fuzz/*_fuzz (corpora in fuzz/corpus/)"

# The unit tests under ASan + UBSan with clang-19.
asan:
	@bash scripts/deps.sh fuzz
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" -DTOLLGATE_BENCH=OFF
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ctest --output-on-failure -L unit -j $(JOBS)

# Every peer comparison (BENCHES=sbom for one); diff.sh runs diffoscope, which takes minutes.
BENCHES ?= sbom vuln classify diff proxy
bench: build
	@bash scripts/deps.sh bench
	@for b in $(BENCHES); do echo "== bench/$$b.sh"; bash bench/$$b.sh || exit $$?; done

format:
	find src apps tests fuzz bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

# Lists every file clang-format would change and fails when there is one (scripts/format-check.sh).
format-check:
	@bash scripts/format-check.sh

clean:
	rm -rf $(BUILD) $(BUILD_FUZZ) $(BUILD_ASAN)
