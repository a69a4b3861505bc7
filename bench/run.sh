#!/usr/bin/env bash
# Benchmarks mockfix on a corpus of vendored crates, against ast-grep and against grep.
#
# Usage: bench/run.sh
#
# Builds the corpus (the sources of the crates pinned in bench/corpus/Cargo.lock, fetched with
# `cargo vendor`) in $MOCKFIX_BENCH_DIR, default target/bench-corpus, and a copy of it with
# generated test doubles planted in it. Then times, on the planted copy:
#   - mockfix --dry-run (release build),
#   - ast-grep scan with bench/refcell-double.yml,
#   - grep -rlE for the state words of the built-in rules, the floor.
# It also measures mockfix's peak memory, its scaling over 1, 2 and 4 copies of the corpus,
# --apply on a copy, and the language server (cargo bench --bench lsp_latency). It prints a
# Markdown report and writes it to $MOCKFIX_BENCH_DIR/results.md. BENCHMARKS.md describes the
# figures.
#
# Settings, from the environment:
#   MOCKFIX_BENCH_DIR      where the corpus and results go (default: target/bench-corpus)
#   MOCKFIX_BENCH_RUNS     timed runs of each command, after one warm-up run (default: 5)
#   MOCKFIX_BENCH_PLANTED  generated doubles planted in the corpus copy (default: 200)
#
# Needs cargo, python3, GNU time (/usr/bin/time, Debian package `time`) and ast-grep 0.51.1
# (`pip install ast-grep-cli==0.51.1`). Uses hyperfine (Debian package `hyperfine`) when it is on
# PATH, else a timing loop in this script. The first run downloads the crates from crates.io.
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
bench_dir=${MOCKFIX_BENCH_DIR:-$repo/target/bench-corpus}
runs=${MOCKFIX_BENCH_RUNS:-5}
planted_count=${MOCKFIX_BENCH_PLANTED:-200}
ast_grep_version=0.51.1
# The state words of the built-in rules (`StateKind::trigger_words`): every file that mockfix
# parses contains one of them, so searching for them is the least work any checker must do.
trigger_words='RefCell|Cell|Rc|Atomic|static mut|unsafe impl'

fail() {
    echo "bench/run.sh: error: $*" >&2
    exit 1
}

note() {
    echo "bench/run.sh: $*" >&2
}

check_tools() {
    command -v cargo >/dev/null || fail "cargo not found on PATH; install the Rust toolchain with rustup"
    command -v python3 >/dev/null || fail "python3 not found on PATH; install Debian's python3"
    [ -x /usr/bin/time ] || fail "/usr/bin/time not found; install GNU time with: apt-get install time"
    command -v ast-grep >/dev/null ||
        fail "ast-grep not found on PATH; install it with: pip install ast-grep-cli==$ast_grep_version"
    local found
    found=$(ast-grep --version | awk '{print $2}')
    [ "$found" = "$ast_grep_version" ] ||
        fail "ast-grep $found found, but the figures are for $ast_grep_version; install it with: pip install ast-grep-cli==$ast_grep_version"
    if ! command -v hyperfine >/dev/null; then
        note "hyperfine not found; timing with a loop in this script (apt-get install hyperfine to use it)"
    fi
}

# Vendors the pinned crates into $bench_dir/project/vendor, unless a vendor folder made from the
# same Cargo.lock is already there.
vendor_crates() {
    local project=$bench_dir/project
    local stamp=$project/vendor.lock-sha256
    local lock_hash
    lock_hash=$(sha256sum "$repo/bench/corpus/Cargo.lock" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
        return
    fi
    note "vendoring the corpus crates into $project/vendor"
    rm -rf "$project"
    mkdir -p "$project"
    cp "$repo/bench/corpus/Cargo.toml" "$repo/bench/corpus/Cargo.lock" "$project/"
    : >"$project/lib.rs"
    (cd "$project" && cargo vendor --locked --quiet vendor >/dev/null)
    echo "$lock_hash" >"$stamp"
}

# Copies the vendored crates to $bench_dir/corpus without what the three tools would treat
# differently: hidden files and folders and `.ignore` files, which mockfix and ast-grep skip or
# obey and grep does not, and folders named `target`, which mockfix always skips.
normalize_corpus() {
    rm -rf "$bench_dir/corpus"
    cp -r "$bench_dir/project/vendor" "$bench_dir/corpus"
    find "$bench_dir/corpus" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
    find "$bench_dir/corpus" -type d -name target -prune -exec rm -rf {} +
}

# Prints the Rust source of planted double number $1, of one of four kinds: `RefCell` fields,
# `Cell` fields, an atomic updated in two steps, and a `RefCell` in a `*Stub` struct.
planted_double() {
    local i=$1
    echo "//! A test double that bench/run.sh planted in the corpus; mockfix must fix it."
    echo
    case $((i % 4)) in
    0)
        cat <<EOF
use std::cell::RefCell;
use std::collections::HashMap;

pub struct MockStore$i {
    calls: RefCell<Vec<String>>,
    values: RefCell<HashMap<String, u64>>,
}

impl MockStore$i {
    pub fn new() -> Self {
        MockStore$i {
            calls: RefCell::new(Vec::new()),
            values: RefCell::new(HashMap::new()),
        }
    }

    pub fn put(&self, key: &str, value: u64) {
        self.calls.borrow_mut().push(format!("put {}", key));
        self.values.borrow_mut().insert(key.to_string(), value);
    }

    pub fn get(&self, key: &str) -> Option<u64> {
        self.calls.borrow_mut().push(format!("get {}", key));
        self.values.borrow().get(key).copied()
    }
}

#[test]
fn mock_store_${i}_records_calls() {
    let store = MockStore$i::new();
    store.put("a", 1);
    assert_eq!(store.get("a"), Some(1));
    assert_eq!(store.calls.borrow().len(), 2);
}
EOF
        ;;
    1)
        cat <<EOF
use std::cell::Cell;

#[derive(Default)]
pub struct FakeClock$i {
    now_ms: Cell<u64>,
    reads: Cell<usize>,
}

impl FakeClock$i {
    pub fn advance(&self, ms: u64) {
        self.now_ms.set(self.now_ms.get() + ms);
    }

    pub fn now(&self) -> u64 {
        self.reads.set(self.reads.get() + 1);
        self.now_ms.get()
    }
}

#[test]
fn fake_clock_${i}_advances() {
    let clock = FakeClock$i::default();
    clock.advance(5);
    assert_eq!(clock.now(), 5);
    assert_eq!(clock.reads.get(), 1);
}
EOF
        ;;
    2)
        cat <<EOF
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Default)]
pub struct SpyCounter$i {
    hits: AtomicUsize,
}

impl SpyCounter$i {
    pub fn record(&self) {
        let seen = self.hits.load(Ordering::SeqCst);
        self.hits.store(seen + 1, Ordering::SeqCst);
    }

    pub fn count(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

#[test]
fn spy_counter_${i}_counts() {
    let spy = SpyCounter$i::default();
    spy.record();
    spy.record();
    assert_eq!(spy.count(), 2);
}
EOF
        ;;
    3)
        cat <<EOF
use std::cell::RefCell;

pub struct Mailer${i}Stub {
    sent: RefCell<Vec<(String, String)>>,
}

impl Mailer${i}Stub {
    pub fn send(&self, to: &str, body: &str) -> bool {
        self.sent.borrow_mut().push((to.to_string(), body.to_string()));
        true
    }

    pub fn sent_to(&self, to: &str) -> usize {
        self.sent.borrow().iter().filter(|(address, _)| address == to).count()
    }
}

#[test]
fn mailer_stub_${i}_sends() {
    let mailer = Mailer${i}Stub { sent: RefCell::new(Vec::new()) };
    assert!(mailer.send("a@example.com", "hi"));
    assert_eq!(mailer.sent_to("a@example.com"), 1);
}
EOF
        ;;
    esac
}

# Copies the corpus to $bench_dir/planted and writes $planted_count doubles into it, one file
# each, in the `tests/` folders of the crates taken in turn.
plant_doubles() {
    rm -rf "$bench_dir/planted"
    cp -r "$bench_dir/corpus" "$bench_dir/planted"
    local crates
    mapfile -t crates < <(cd "$bench_dir/planted" && find . -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort)
    local i crate
    for ((i = 0; i < planted_count; i++)); do
        crate=${crates[$((i % ${#crates[@]}))]}
        mkdir -p "$bench_dir/planted/$crate/tests"
        planted_double "$i" >"$bench_dir/planted/$crate/tests/mockfix_planted_$i.rs"
    done
}

# Makes $bench_dir/scale-$1 with $1 copies of the planted corpus.
make_scaled() {
    local copies=$1
    local target=$bench_dir/scale-$copies
    rm -rf "$target"
    mkdir -p "$target"
    local i
    for ((i = 1; i <= copies; i++)); do
        cp -r "$bench_dir/planted" "$target/copy-$i"
    done
}

# Prints `findings_in_planted_files findings_elsewhere fixes_in_planted_files` from mockfix's JSON
# report on stdin.
count_findings() {
    python3 -c '
import json, sys
report = json.load(sys.stdin)
planted = [f for f in report["files"] if "/mockfix_planted_" in f["path"]]
others = [f for f in report["files"] if "/mockfix_planted_" not in f["path"]]
safe = sum(1 for f in planted for x in f["findings"] if x["applicability"] == "safe")
print(sum(len(f["findings"]) for f in planted), sum(len(f["findings"]) for f in others), safe)
'
}

# Times the shell command $2 under the name $1 and prints its median in seconds. $3, when given,
# is a command run before each run and not timed.
median_seconds() {
    local name=$1 command=$2 prepare=${3:-}
    local json=$bench_dir/timings/$name.json
    if command -v hyperfine >/dev/null; then
        local args=(--warmup 1 --runs "$runs" --ignore-failure --style none --export-json "$json")
        if [ -n "$prepare" ]; then
            args+=(--prepare "$prepare")
        fi
        # hyperfine warns on stderr of every non-zero exit, which mockfix has when it finds something.
        hyperfine "${args[@]}" "$command" >/dev/null 2>>"$bench_dir/timings/hyperfine.log"
        python3 -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
        return
    fi
    local samples=() i start end
    for ((i = 0; i <= runs; i++)); do
        if [ -n "$prepare" ]; then
            bash -c "$prepare"
        fi
        start=$(date +%s%N)
        bash -c "$command" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        # The first run warms the caches and is not counted.
        if [ "$i" -gt 0 ]; then
            samples+=("$((end - start))")
        fi
    done
    printf '%s\n' "${samples[@]}" |
        python3 -c 'import statistics, sys; print("%.4f" % (statistics.median(int(x) for x in sys.stdin) / 1e9))'
}

# Prints the maximum resident set size in MB of the shell command $1, as GNU time reports it.
peak_memory_mb() {
    local report=$bench_dir/timings/time-v.txt
    /usr/bin/time -v -o "$report" bash -c "$1" >/dev/null 2>&1 || true
    awk -F': ' '/Maximum resident set size/ { printf "%.1f\n", $2 / 1024 }' "$report"
}

ratio() {
    python3 -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"
}

milliseconds() {
    python3 -c 'import sys; print("%.0f" % (float(sys.argv[1]) * 1000))' "$1"
}

main() {
    check_tools
    mkdir -p "$bench_dir/timings"
    bench_dir=$(cd "$bench_dir" && pwd)

    note "building mockfix (release)"
    (cd "$repo" && cargo build --release --locked --quiet)
    local mockfix=$repo/target/release/mockfix

    vendor_crates
    note "preparing the corpus and planting $planted_count doubles"
    normalize_corpus
    plant_doubles
    make_scaled 2
    make_scaled 4

    # Every command runs in the corpus folder on relative paths, as a user would.
    cd "$bench_dir"
    local rs_files rs_megabytes
    rs_files=$(find planted -name '*.rs' | wc -l)
    rs_megabytes=$(find planted -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 |
        awk '{printf "%.0f", $1 / 1000000}')
    local scanned
    scanned=$(ast-grep scan --rule "$repo/bench/refcell-double.yml" --inspect summary planted 2>&1 >/dev/null |
        sed -n 's/.*scannedFileCount=\([0-9]*\).*/\1/p')
    [ "$scanned" = "$rs_files" ] || fail "ast-grep scanned $scanned files but the corpus has $rs_files .rs files"

    note "checking that mockfix finds every planted double"
    local counts planted_found elsewhere planted_safe clean_found
    # mockfix exits with 1 when it finds something, which is expected here.
    counts=$({ "$mockfix" --dry-run --quiet --format json planted 2>/dev/null || true; } | count_findings)
    read -r planted_found elsewhere planted_safe <<<"$counts"
    [ "$planted_found" = "$planted_count" ] ||
        fail "mockfix found $planted_found doubles in the planted files, but $planted_count were planted"
    [ "$planted_safe" = "$planted_count" ] ||
        fail "mockfix has $planted_safe safe fixes for the $planted_count planted doubles"
    clean_found=$({ "$mockfix" --dry-run --quiet --format json corpus 2>/dev/null || true; } |
        count_findings | awk '{print $2}')
    [ "$clean_found" = "$elsewhere" ] ||
        fail "mockfix found $elsewhere findings outside the planted files, but $clean_found in the corpus without them"
    local ast_grep_matches
    ast_grep_matches=$({ ast-grep scan --rule "$repo/bench/refcell-double.yml" --json=compact planted || true; } |
        python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')

    local mockfix_command="$mockfix --dry-run --quiet --color never planted"
    local ast_grep_command="ast-grep scan --rule $repo/bench/refcell-double.yml planted"
    local grep_command="grep -rlE '$trigger_words' --include='*.rs' planted"

    note "timing mockfix, ast-grep and grep, $runs runs each"
    local t_mockfix t_ast_grep t_grep t_clean
    t_mockfix=$(median_seconds mockfix "$mockfix_command")
    t_ast_grep=$(median_seconds ast-grep "$ast_grep_command")
    t_grep=$(median_seconds grep "$grep_command")
    t_clean=$(median_seconds mockfix-clean "$mockfix --dry-run --quiet --color never corpus")

    note "measuring peak memory"
    local mem_mockfix mem_ast_grep
    mem_mockfix=$(peak_memory_mb "$mockfix_command")
    mem_ast_grep=$(peak_memory_mb "$ast_grep_command")

    note "timing the scaling over 2 and 4 copies"
    local t_scale2 t_scale4
    t_scale2=$(median_seconds scale-2 "$mockfix --dry-run --quiet --color never scale-2")
    t_scale4=$(median_seconds scale-4 "$mockfix --dry-run --quiet --color never scale-4")

    # --apply writes only files that git can restore, or, with --allow-no-vcs, files outside any
    # git repository. The copy goes to a temporary folder, since the default corpus folder lies
    # in this repository's ignored target/ folder.
    note "timing --apply on a fresh copy of the planted corpus"
    apply_dir=$(mktemp -d "${TMPDIR:-/tmp}/mockfix-bench-apply.XXXXXX")
    trap 'rm -rf "$apply_dir"' EXIT
    if git -C "$apply_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        fail "$apply_dir is inside a git repository; set TMPDIR to a folder outside any repository"
    fi
    local t_apply
    t_apply=$(median_seconds apply "$mockfix --apply --allow-no-vcs --quiet '$apply_dir/planted'" \
        "rm -rf '$apply_dir/planted' && cp -r '$bench_dir/planted' '$apply_dir/planted'")
    local left
    left=$({ "$mockfix" --dry-run --quiet --format json "$apply_dir/planted" 2>/dev/null || true; } |
        count_findings | awk '{print $1}')
    [ "$left" = 0 ] || fail "after --apply, mockfix still finds $left doubles in the planted files"

    note "running the language server benchmark"
    local lsp_output
    lsp_output=$(cd "$repo" && cargo bench --quiet --bench lsp_latency 2>/dev/null)

    local cpu memory
    cpu=$(lscpu | sed -n 's/^Model name: *//p')
    memory=$(free -h | awk '/^Mem:/ {print $2}')

    cat <<EOF | tee "$bench_dir/results.md"
### Machine

| Fact | Value |
| --- | --- |
| \`nproc\` | $(nproc) |
| \`lscpu\` model name | $cpu |
| \`free -h\` total memory | $memory |
| rustc | $(rustc --version) |
| ast-grep | $(ast-grep --version) |
| grep | $(grep --version | head -1) |
| timing | $(if command -v hyperfine >/dev/null; then hyperfine --version; else echo "loop in bench/run.sh"; fi), median of $runs runs after 1 warm-up |

### Corpus

\`planted\`: the crates of bench/corpus/Cargo.lock, vendored, with $planted_count generated doubles
planted: $rs_files \`.rs\` files, $rs_megabytes MB of Rust source.

| Check | Result |
| --- | --- |
| mockfix findings in the planted files | $planted_found of $planted_count, all with a safe fix |
| mockfix findings in the vendored crates themselves | $elsewhere (the same with and without the planted files) |
| ast-grep matches (fields, not structs; atomics are out of its reach) | $ast_grep_matches |
| planted doubles left after \`--apply\` | $left |

### Times

| Command | Median | Ratio |
| --- | --- | --- |
| \`mockfix --dry-run --quiet --color never planted\` | $(milliseconds "$t_mockfix") ms | 1 |
| \`ast-grep scan --rule bench/refcell-double.yml planted\` | $(milliseconds "$t_ast_grep") ms | mockfix is $(ratio "$t_ast_grep" "$t_mockfix")× faster (target: at least 10×) |
| \`grep -rlE '${trigger_words//|/\\|}' --include='*.rs' planted\` | $(milliseconds "$t_grep") ms | mockfix takes $(ratio "$t_mockfix" "$t_grep")× as long (target: at most 5×) |
| \`mockfix --dry-run\` on the corpus without planted doubles | $(milliseconds "$t_clean") ms | |

Peak memory (maximum resident set size, GNU time): mockfix $mem_mockfix MB (target: under 100 MB),
ast-grep $mem_ast_grep MB.

### Scaling

| Copies of \`planted\` | \`mockfix --dry-run\` median | Time per copy |
| --- | --- | --- |
| 1 | $(milliseconds "$t_mockfix") ms | $(milliseconds "$t_mockfix") ms |
| 2 | $(milliseconds "$t_scale2") ms | $(milliseconds "$(python3 -c "print($t_scale2 / 2)")") ms |
| 4 | $(milliseconds "$t_scale4") ms | $(milliseconds "$(python3 -c "print($t_scale4 / 4)")") ms |

### Apply

\`mockfix --apply --allow-no-vcs --quiet DIR\` on a fresh copy of \`planted\` in a temporary folder
outside any git repository: $(milliseconds "$t_apply") ms (median; the copy is made before each run
and not timed).

### Language server

\`cargo bench --bench lsp_latency\`:

\`\`\`text
$lsp_output
\`\`\`
EOF
}

main "$@"
