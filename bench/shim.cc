// SPDX-License-Identifier: MIT
//
// shim: bench.h over Google Benchmark.  The only C++ file of vmbench.
//
// Each bench_def is expanded into one registered benchmark per combination
// of its parameters.  The C loop gets the whole iteration count as one
// batch (State::KeepRunningBatch(max_iterations)), so Google Benchmark's
// timer and statistics are used unchanged.  Counters (ctr_*) are started
// just before the clock and stopped just after it, at the loop's edges.
//
// Reporting: a reporter that forwards to Google Benchmark's own display
// reporter records the runs; --csv writes them at the end (atomically)
// with a metadata sidecar FILE.meta.csv.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <strings.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern "C" {
#include <vmbench/bench.h>
#include <vmbench/counters.h>
#include <vmbench/csv.h>
#include <vmbench/reason.h>
#include <vmbench/report.h>
}

namespace {

// One registered benchmark: a definition and its parameter values.
struct Instance {
	const bench_def *def;
	std::vector<int64_t> args;
};

struct Shim {
	std::map<std::string, Instance> instances;  // by registered name
	ctr_set *ctrs = nullptr;
	std::vector<ctr_reading> readings;
};

Shim shim;

struct Impl {
	benchmark::State *state;
	bool counting = false;
};

Impl *impl_of(bench_state *st)
{
	return static_cast<Impl *>(st->impl);
}

void counters_start()
{
	if (shim.ctrs)
		ctr_start(shim.ctrs);
}

// Stop the counters and attach the present ones, per iteration.  Absent
// counters are not attached at all: the CSV writes NA for them.
void counters_stop(benchmark::State &state)
{
	if (!shim.ctrs)
		return;
	ctr_stop(shim.ctrs, shim.readings.data());
	for (size_t i = 0; i < ctr_count(shim.ctrs); i++) {
		const ctr_reading &r = shim.readings[i];

		if (r.flags & CTR_ABSENT)
			continue;
		state.counters[ctr_name(shim.ctrs, i)] = benchmark::Counter(
			r.value, benchmark::Counter::kAvgIterations);
		if (r.flags & CTR_SCALED)
			state.counters[std::string("scaled:") +
				       ctr_name(shim.ctrs, i)] = 1;
	}
}

void run_instance(benchmark::State &state, const Instance *in)
{
	Impl impl{&state};
	bench_state st{};

	st.argv = in->args.data();
	st.def = in->def;
	st.impl = &impl;
	if (in->def->setup) {
		int ret = in->def->setup(&st);

		if (ret) {
			std::string msg = "setup failed: ";
			msg += std::strerror(-ret);
			state.SkipWithError(msg.c_str());
			// Google Benchmark wants the loop entered once.
			while (state.KeepRunningBatch(1)) {
			}
			return;
		}
	}
	in->def->run(&st);
	if (st.phase == 1) {
		// run() left the loop early; end it so the run is well-formed.
		state.SkipWithError("run() returned inside the timed loop");
		while (bench_loop_edge(&st)) {
		}
	} else if (st.phase == 0) {
		state.SkipWithError("run() never entered the timed loop");
		while (state.KeepRunningBatch(1)) {
		}
	}
	if (in->def->teardown)
		in->def->teardown(&st);
}

std::string join_name(const bench_def *d)
{
	const char *parts[] = {d->family, d->strategy, d->workload, d->arch,
			       d->tlb};
	std::string name;

	for (const char *p : parts) {
		if (!p)
			continue;
		if (!name.empty())
			name += '/';
		name += p;
	}
	return name;
}

// VMBENCH_ITERATIONS=N: run every benchmark exactly N iterations (0: let
// Google Benchmark choose).  Instruction counting under valgrind needs it:
// a count chosen from elapsed time does not repeat there.
int64_t fixed_iterations;

// Register every combination of @d's sweeps; false on a bad sweep.
bool register_def(const bench_def *d)
{
	std::vector<std::vector<int64_t>> axes;

	for (const bench_sweep &s : d->args) {
		if (s.kind == BENCH_SWEEP_NONE)
			break;
		long n = bench_sweep_values(&s, nullptr, 0);
		if (n <= 0) {
			std::fprintf(stderr, "vmbench: %s: bad sweep of '%s'\n",
				     join_name(d).c_str(), s.name);
			return false;
		}
		std::vector<int64_t> v((size_t)n);
		bench_sweep_values(&s, v.data(), v.size());
		axes.push_back(v);
	}
	std::vector<size_t> idx(axes.size(), 0);
	for (;;) {
		Instance in{d, {}};
		std::string name = join_name(d);

		for (size_t a = 0; a < axes.size(); a++) {
			in.args.push_back(axes[a][idx[a]]);
			name += '/';
			name += d->args[a].name;
			name += ':';
			name += std::to_string(axes[a][idx[a]]);
		}
		auto it = shim.instances.emplace(name, in).first;
		const Instance *p = &it->second;
		auto *b = benchmark::RegisterBenchmark(name.c_str(),
			[p](benchmark::State &s) { run_instance(s, p); });
		if (fixed_iterations > 0)
			b->Iterations(fixed_iterations);
		// Next combination, last axis fastest.
		size_t a = axes.size();
		while (a > 0 && ++idx[a - 1] == axes[a - 1].size())
			idx[--a] = 0;
		if (a == 0)
			break;
	}
	return true;
}

// ---- reporting ----------------------------------------------------------

struct Row {
	const Instance *in;
	int64_t iterations;
	int64_t repetition;
	double ns_per_op;
	std::map<std::string, double> counters;
};

struct Collected {
	std::vector<Row> rows;
	std::string host;
	int num_cpus = 0;
	double mhz = 0;
	bool scaling = false;
	int errors = 0;
};

Collected collected;

// The counter that carries bench_ops_per_iter() to the reporter.
const char *const kOpsPerIter = "ops_per_iter";

// A run whose iteration is several ops (bench_ops_per_iter()): make the
// row per op.  Google Benchmark has already divided the per-iteration
// counters by the iterations; divide them by the ops too.
void per_op(Row &row, const benchmark::BenchmarkReporter::Run &r)
{
	auto it = row.counters.find(kOpsPerIter);
	if (it == row.counters.end())
		return;
	double k = it->second;
	row.counters.erase(it);
	if (!(k > 0))
		return;
	row.iterations = (int64_t)std::llround((double)row.iterations * k);
	row.ns_per_op /= k;
	for (const auto &c : r.counters)
		if (c.first != kOpsPerIter &&
		    (c.second.flags & benchmark::Counter::kAvgIterations))
			row.counters[c.first] /= k;
}

// Forwards everything to Google Benchmark's own display reporter and keeps
// the per-repetition runs (not the aggregates) for the CSV.
class Tee : public benchmark::BenchmarkReporter {
public:
	Tee(benchmark::BenchmarkReporter *inner, bool aggregates_only)
		: inner_(inner), aggregates_only_(aggregates_only) {}

	bool ReportContext(const Context &c) override
	{
		collected.host = c.sys_info.name;
		collected.num_cpus = c.cpu_info.num_cpus;
		collected.mhz = c.cpu_info.cycles_per_second / 1e6;
		collected.scaling = c.cpu_info.scaling ==
				    benchmark::CPUInfo::Scaling::ENABLED;
		return inner_->ReportContext(c);
	}

	void ReportRuns(const std::vector<Run> &runs) override
	{
		for (const Run &r : runs) {
			if (r.error_occurred) {
				collected.errors++;
				continue;
			}
			if (r.run_type != Run::RT_Iteration)
				continue;
			auto it = shim.instances.find(r.run_name.function_name);
			if (it == shim.instances.end() || r.iterations <= 0)
				continue;
			Row row;
			row.in = &it->second;
			row.iterations = r.iterations;
			row.repetition = r.repetition_index < 0 ? 0 :
					 r.repetition_index;
			row.ns_per_op = r.real_accumulated_time * 1e9 /
					(double)r.iterations;
			for (const auto &c : r.counters)
				row.counters[c.first] = c.second.value;
			per_op(row, r);
			collected.rows.push_back(row);
		}
		// --benchmark_display_aggregates_only is ours: Google
		// Benchmark would keep the per-repetition runs from this
		// reporter, and the CSV needs them.
		std::vector<Run> shown;
		for (const Run &r : runs)
			if (r.run_type == Run::RT_Aggregate)
				shown.push_back(r);
		inner_->ReportRuns(aggregates_only_ && !shown.empty() ?
				   shown : runs);
	}

	void Finalize() override { inner_->Finalize(); }

private:
	benchmark::BenchmarkReporter *inner_;
	bool aggregates_only_;
};

bool is_ctr_name(const std::string &name)
{
	for (int c = 0; c < CTR_NCANON; c++)
		if (name == ctr_canon_name((ctr_canon)c))
			return true;
	return shim.ctrs && ctr_find(shim.ctrs, name.c_str()) >= 0;
}

void field_opt(csv *c, const char *s)
{
	csv_field_str(c, s ? s : "");
}

// The tidy CSV, into @c: fixed columns, the canonical counters, the simulated
// counters (sim_*), then non-canonical hardware events, other user
// counters, parameters other than n, the repetition index and the list of
// multiplexed counters.
void write_csv(csv *c)
{
	std::vector<std::string> extra_ctrs, sim, user, params;
	std::set<std::string> seen;

	if (shim.ctrs)
		for (size_t i = 0; i < ctr_count(shim.ctrs); i++) {
			std::string n = ctr_name(shim.ctrs, i);
			bool canonical = false;
			for (int c = 0; c < CTR_NCANON; c++)
				canonical |= n == ctr_canon_name((ctr_canon)c);
			if (!canonical)
				extra_ctrs.push_back(n);
		}
	for (const Row &r : collected.rows) {
		for (const auto &c : r.counters)
			if (!is_ctr_name(c.first) &&
			    c.first.compare(0, 7, "scaled:") != 0 &&
			    seen.insert("c" + c.first).second)
				user.push_back(c.first);
		for (const bench_sweep &s : r.in->def->args)
			if (s.kind != BENCH_SWEEP_NONE &&
			    std::strcmp(s.name, "n") != 0 &&
			    seen.insert(std::string("p") + s.name).second)
				params.push_back(s.name);
	}
	std::sort(user.begin(), user.end());
	for (const auto &u : user)
		if (u.compare(0, 4, "sim_") == 0)
			sim.push_back(u);
	user.erase(std::remove_if(user.begin(), user.end(),
		[](const std::string &u) { return u.compare(0, 4, "sim_") == 0; }),
		user.end());

	static const char *const fixed[] = {"family", "strategy", "workload",
		"arch", "tlb", "n", "iterations", "ns_per_op"};
	for (const char *f : fixed)
		csv_field_str(c, f);
	for (int k = 0; k < CTR_NCANON; k++)
		csv_field_str(c, ctr_canon_name((ctr_canon)k));
	for (const auto &n : sim)
		csv_field_str(c, n.c_str());
	for (const auto &n : extra_ctrs)
		csv_field_str(c, n.c_str());
	for (const auto &n : user)
		csv_field_str(c, n.c_str());
	for (const auto &n : params)
		csv_field_str(c, n.c_str());
	csv_field_str(c, "repetition");
	csv_field_str(c, "scaled");
	csv_end_row(c);

	for (const Row &r : collected.rows) {
		const bench_def *d = r.in->def;
		auto arg = [&](const char *name, bool *found) -> int64_t {
			for (size_t a = 0; a < r.in->args.size(); a++)
				if (std::strcmp(d->args[a].name, name) == 0) {
					*found = true;
					return r.in->args[a];
				}
			*found = false;
			return 0;
		};
		auto counter = [&](const std::string &name) {
			auto it = r.counters.find(name);
			if (it == r.counters.end())
				csv_field_na(c);
			else
				csv_field_double(c, it->second);
		};
		bool found;

		field_opt(c, d->family);
		field_opt(c, d->strategy);
		field_opt(c, d->workload);
		field_opt(c, d->arch);
		field_opt(c, d->tlb);
		int64_t n = arg("n", &found);
		if (found)
			csv_field_i64(c, n);
		else
			csv_field_str(c, "");
		csv_field_i64(c, r.iterations);
		csv_field_double(c, r.ns_per_op);
		for (int k = 0; k < CTR_NCANON; k++)
			counter(ctr_canon_name((ctr_canon)k));
		for (const auto &u : sim)
			counter(u);
		for (const auto &e : extra_ctrs)
			counter(e);
		for (const auto &u : user)
			counter(u);
		for (const auto &p : params) {
			int64_t v = arg(p.c_str(), &found);
			if (found)
				csv_field_i64(c, v);
			else
				csv_field_str(c, "");
		}
		csv_field_i64(c, r.repetition);
		std::string scaled;
		for (const auto &kv : r.counters)
			if (kv.first.compare(0, 7, "scaled:") == 0)
				scaled += (scaled.empty() ? "" : ";") +
					  kv.first.substr(7);
		csv_field_str(c, scaled.c_str());
		csv_end_row(c);
	}
}

const char *source_name(enum ctr_source s)
{
	switch (s) {
	case CTR_SRC_PERF: return "perf_event_open";
	case CTR_SRC_PERF_USER: return "perf_event_open (user only)";
	case CTR_SRC_CLOCK: return "clock_gettime";
	case CTR_SRC_RUSAGE: return "getrusage";
	case CTR_SRC_ABSENT:
	default: return "absent";
	}
}

// The run's context, key,value, into @c: the sidecar of the data CSV.
void write_meta(csv *c, int argc, char **argv)
{
	char buf[64];
	struct utsname u;
	time_t now = time(nullptr);
	struct tm tm;

	auto kv = [c](const std::string &k, const std::string &v) {
		csv_field_str(c, k.c_str());
		csv_field_str(c, v.c_str());
		csv_end_row(c);
	};
	kv("key", "value");
	std::string cmd;
	for (int i = 0; i < argc; i++)
		cmd += (i ? " " : "") + std::string(argv[i]);
	kv("command", cmd);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	kv("date", buf);
	kv("host", collected.host);
	if (uname(&u) == 0) {
		kv("kernel", std::string(u.sysname) + " " + u.release);
		kv("machine", u.machine);
	}
	kv("num_cpus", std::to_string(collected.num_cpus));
	kv("cpu_mhz", std::to_string(collected.mhz));
	kv("cpu_scaling", collected.scaling ? "enabled" : "disabled");
	kv("libpfm", ctr_have_libpfm() ? "yes" : "no");
	if (shim.ctrs)
		for (size_t i = 0; i < ctr_count(shim.ctrs); i++) {
			std::string n = ctr_name(shim.ctrs, i);
			kv("counter." + n + ".source",
			   source_name(ctr_source(shim.ctrs, i)));
			if (ctr_note(shim.ctrs, i))
				kv("counter." + n + ".note",
				   ctr_note(shim.ctrs, i));
		}
}

// ---- command line -------------------------------------------------------

void usage()
{
	std::printf(
"usage: vmbench [--csv FILE] [--counters LIST] [--quick] [--help]\n"
"               [Google Benchmark flags]\n"
"\n"
"vmbench runs the benchmarks of vmbench through Google Benchmark.\n"
"\n"
"  --csv FILE       write one row per benchmark, parameters and repetition\n"
"                   to FILE (tidy CSV, NA for absent counters) and the\n"
"                   run's context to FILE.meta.csv; both written\n"
"                   atomically, together with --benchmark_out (a stream\n"
"                   such as - or a FIFO is written in place, without the\n"
"                   sidecar)\n"
"  --counters LIST  hardware events to count, comma-separated: libpfm4\n"
"                   names or cycles, instructions, cache_misses,\n"
"                   dtlb_load_misses, branch_misses; 'none' for no hardware\n"
"                   events, 'default' for those five (the default).\n"
"                   task_clock_ns, page_faults, context_switches are always\n"
"                   counted\n"
"  --quick          short runs (--benchmark_min_time=0.01) for smoke tests\n"
"  --help           this text, then Google Benchmark's flags\n"
"\n"
"Environment: VMBENCH_ITERATIONS=N runs every benchmark exactly N\n"
"iterations (for exact instruction counts under valgrind, scripts/icount).\n"
"For tests: VMBENCH_CTR_FAIL=LIST makes those counters fail to open;\n"
"VMBENCH_NO_PERF=1 acts as if perf_event_open were denied.\n"
"\n"
"Every output is opened before the run.  Exit status: 0 ok, 1 a benchmark\n"
"failed, 2 bad input (an unusable output path, a bad flag value, a filter\n"
"that matches nothing); SIGINT/SIGTERM/SIGHUP remove the unfinished\n"
"outputs and exit 130/143/129.\n"
"\n"
"Google Benchmark's flags, e.g. --benchmark_filter=REGEX,\n"
"--benchmark_list_tests, --benchmark_repetitions=N,\n"
"--benchmark_min_time=SECONDS, --benchmark_out=FILE.json:\n");
	benchmark::PrintDefaultHelp();
}

// Value of --flag VALUE or --flag=VALUE at argv[*i]; nullptr if absent.
const char *flag_value(int argc, char **argv, int *i, const char *flag,
		       bool *bad)
{
	size_t len = std::strlen(flag);
	const char *a = argv[*i];

	if (std::strncmp(a, flag, len) != 0)
		return nullptr;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len] != '\0')
		return nullptr;
	if (*i + 1 >= argc) {
		*bad = true;
		return nullptr;
	}
	return argv[++*i];
}

benchmark::BenchmarkReporter *make_display(int argc, char **argv)
{
	std::string fmt = "console";
	bool tabular = false, color = isatty(1);

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a.rfind("--benchmark_format=", 0) == 0)
			fmt = a.substr(19);
		else if (a == "--benchmark_counters_tabular=true" ||
			 a == "--benchmark_counters_tabular")
			tabular = true;
		else if (a == "--benchmark_color=false")
			color = false;
	}
	if (fmt == "json")
		return new benchmark::JSONReporter;
	if (fmt == "csv") {
		// Deprecated upstream, still what --benchmark_format=csv means.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		return new benchmark::CSVReporter;
#pragma GCC diagnostic pop
	}
	int opts = (color ? benchmark::ConsoleReporter::OO_Color : 0) |
		   (tabular ? benchmark::ConsoleReporter::OO_Tabular : 0);
	return new benchmark::ConsoleReporter(
		(benchmark::ConsoleReporter::OutputOptions)opts);
}

std::vector<std::string> split(const char *list)
{
	std::vector<std::string> out;
	std::string cur;

	for (const char *p = list;; p++) {
		if (*p == ',' || *p == '\0') {
			if (!cur.empty())
				out.push_back(cur);
			cur.clear();
			if (!*p)
				break;
		} else {
			cur += *p;
		}
	}
	return out;
}


// ---- Google Benchmark's flags, checked before they are passed on -------
//
// Google Benchmark 1.7 takes some values it cannot use (a negative
// repetition count aborts with std::length_error, an unknown format prints
// the usage and exits 0, a bad regular expression runs nothing and exits
// 0).  Every flag it knows is checked here first; anything else is an
// unknown option.

enum FlagKind { kBool, kCount, kLevel, kSeconds, kChoice, kColor, kText };

struct FlagSpec {
	const char *name;
	FlagKind kind;
	const char *choices;  // kChoice: "a|b|c"
};

const FlagSpec gb_flags[] = {
	{"--benchmark_list_tests", kBool, nullptr},
	{"--benchmark_filter", kText, nullptr},
	{"--benchmark_min_time", kSeconds, nullptr},
	{"--benchmark_min_warmup_time", kSeconds, nullptr},
	{"--benchmark_repetitions", kCount, nullptr},
	{"--benchmark_enable_random_interleaving", kBool, nullptr},
	{"--benchmark_report_aggregates_only", kBool, nullptr},
	{"--benchmark_display_aggregates_only", kBool, nullptr},
	{"--benchmark_format", kChoice, "console|json|csv"},
	{"--benchmark_out_format", kChoice, "json|console|csv"},
	{"--benchmark_color", kColor, nullptr},
	{"--benchmark_counters_tabular", kBool, nullptr},
	{"--benchmark_context", kText, nullptr},
	{"--benchmark_perf_counters", kText, nullptr},
	{"--benchmark_time_unit", kChoice, "ns|us|ms|s"},
	{"--v", kLevel, nullptr},
};

// The most repetitions accepted: Google Benchmark keeps every one.
const long kMaxRepetitions = 100000;

// Google Benchmark's spelling of a boolean; false if @v is none.
bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1", "t", "y"};
	static const char *const no[] = {"false", "no", "off", "0", "f", "n"};

	if (!v) {   // "--flag" alone
		*out = true;
		return true;
	}
	for (const char *y : yes)
		if (strcasecmp(v, y) == 0)
			return *out = true, true;
	for (const char *n : no)
		if (strcasecmp(v, n) == 0)
			return *out = false, true;
	return false;
}

bool in_choices(const char *v, const char *choices)
{
	size_t len = std::strlen(v);

	for (const char *p = choices; len;) {
		const char *bar = std::strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : std::strlen(p);

		if (n == len && std::strncmp(p, v, n) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

// Check one argument for Google Benchmark: nullptr when it is fine, else
// the spec it is meant for (or nullptr spec and false: unknown) after
// printing "--flag: reason".  *@value is its value (nullptr: none given).
bool check_gb_flag(const char *arg, const FlagSpec **spec,
		   const char **value)
{
	const char *eq = std::strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : std::strlen(arg);
	const char *v = eq ? eq + 1 : nullptr;
	char *end;

	*spec = nullptr;
	*value = v;
	for (const FlagSpec &f : gb_flags)
		if (std::strlen(f.name) == len &&
		    std::strncmp(f.name, arg, len) == 0)
			*spec = &f;
	if (!*spec) {
		std::fprintf(stderr, "%.*s: unknown option (try vmbench "
			     "--help)\n", (int)len, arg);
		return false;
	}
	const char *name = (*spec)->name;
	if (!v && (*spec)->kind != kBool) {
		std::fprintf(stderr, "%s: needs a value (%s=VALUE)\n", name,
			     name);
		return false;
	}
	bool b;
	errno = 0;
	switch ((*spec)->kind) {
	case kBool:
		if (parse_bool(v, &b))
			return true;
		std::fprintf(stderr, "%s: '%s' is not true or false\n", name,
			     v);
		return false;
	case kCount: {
		long n = std::strtol(v, &end, 10);
		if (*v && !*end && !errno && n >= 1 && n <= kMaxRepetitions)
			return true;
		std::fprintf(stderr, "%s: '%s' is not a whole number from 1 "
			     "to %ld\n", name, v, kMaxRepetitions);
		return false;
	}
	case kLevel: {
		long n = std::strtol(v, &end, 10);
		if (*v && !*end && !errno && n >= 0 && n <= 1000)
			return true;
		std::fprintf(stderr, "%s: '%s' is not a whole number from 0 "
			     "to 1000\n", name, v);
		return false;
	}
	case kSeconds: {
		double d = std::strtod(v, &end);
		if (*v && !*end && !errno && std::isfinite(d) && d >= 0 &&
		    d <= 1e6)
			return true;
		std::fprintf(stderr, "%s: '%s' is not a number of seconds "
			     "from 0 to 1e6\n", name, v);
		return false;
	}
	case kChoice:
		if (in_choices(v, (*spec)->choices))
			return true;
		std::fprintf(stderr, "%s: '%s' is not one of %s\n", name, v,
			     (*spec)->choices);
		return false;
	case kColor:
		if (std::strcmp(v, "auto") == 0 || parse_bool(v, &b))
			return true;
		std::fprintf(stderr, "%s: '%s' is not auto, true or false\n",
			     name, v);
		return false;
	case kText:
		return true;
	}
	return true;
}

// How Google Benchmark 1.7 reads --benchmark_filter: "" and "all" mean
// every benchmark, a leading '-' negates, the rest is a POSIX extended
// regular expression searched in the name.  The number of registered
// benchmarks it selects, or -1 after printing why @spec is no regex.
long count_matches(std::string spec)
{
	bool negate = false;

	if (spec.empty() || spec == "all")
		spec = ".";
	if (spec[0] == '-') {
		negate = true;
		spec.erase(0, 1);
	}
	std::regex re;
	try {
		re = std::regex(spec, std::regex::extended);
	} catch (const std::regex_error &e) {
		std::fprintf(stderr, "--benchmark_filter: '%s' is not a regular "
			     "expression: %s\n", spec.c_str(), e.what());
		return -1;
	}
	long n = 0;
	std::string suffix;
	if (fixed_iterations > 0)
		suffix = "/iterations:" + std::to_string(fixed_iterations);
	for (const auto &kv : shim.instances)
		if (std::regex_search(kv.first + suffix, re) != negate)
			n++;
	return n;
}

// An output named on the command line, opened before the run.
int open_output(report_file *rf, const char *opt, const char *path)
{
	int ret = report_open(rf, path);

	if (ret)
		std::fprintf(stderr, "%s %s: %s\n", opt, path,
			     std::strerror(-ret));
	return ret;
}

} // namespace

// ---- bench.h ------------------------------------------------------------

extern "C" uint64_t bench_loop_begin(bench_state *st)
{
	benchmark::State &state = *impl_of(st)->state;
	const benchmark::IterationCount batch = state.max_iterations;

	st->phase = 1;
	// Counters start before the clock and stop after it, so their own
	// ioctls are not timed.
	counters_start();
	if (state.KeepRunningBatch(batch))
		return (uint64_t)batch;
	st->phase = 2;
	counters_stop(state);
	return 0;
}

extern "C" bool bench_loop_end(bench_state *st)
{
	benchmark::State &state = *impl_of(st)->state;

	st->left = 0;
	if (st->phase != 1)
		return false;
	// The batch was the whole run: this call stops the clock.
	while (state.KeepRunningBatch(state.max_iterations)) {
	}
	st->phase = 2;
	counters_stop(state);
	return false;
}

extern "C" bool bench_loop_edge(bench_state *st)
{
	if (st->phase == 0) {
		uint64_t n = bench_loop_begin(st);

		if (n == 0)
			return false;
		st->left = n - 1;
		return true;
	}
	return bench_loop_end(st);
}

extern "C" void bench_pause(bench_state *st)
{
	impl_of(st)->state->PauseTiming();
	if (shim.ctrs)
		ctr_pause(shim.ctrs);
}

extern "C" void bench_resume(bench_state *st)
{
	if (shim.ctrs)
		ctr_resume(shim.ctrs);
	impl_of(st)->state->ResumeTiming();
}

extern "C" void bench_counter(bench_state *st, const char *name,
			      double value, unsigned flags)
{
	int f = benchmark::Counter::kDefaults;

	if (flags & BENCH_CTR_PER_ITER)
		f |= benchmark::Counter::kAvgIterations;
	if (flags & BENCH_CTR_RATE)
		f |= benchmark::Counter::kIsRate;
	impl_of(st)->state->counters[name] = benchmark::Counter(
		value, (benchmark::Counter::Flags)f);
}

extern "C" void bench_ops_per_iter(bench_state *st, double ops)
{
	impl_of(st)->state->counters[kOpsPerIter] = benchmark::Counter(ops);
}

extern "C" void bench_items_processed(bench_state *st, int64_t items)
{
	impl_of(st)->state->SetItemsProcessed(items);
}

extern "C" void bench_error(bench_state *st, const char *msg)
{
	impl_of(st)->state->SkipWithError(msg);
	st->left = 0;
}

extern "C" uint64_t bench_iterations(const bench_state *st)
{
	return (uint64_t)static_cast<Impl *>(st->impl)->state->iterations();
}

extern "C" void bench_cxx_empty_loop(bench_state *st)
{
	benchmark::State &state = *impl_of(st)->state;

	st->phase = 1;
	counters_start();
	for (auto _ : state)
		benchmark::ClobberMemory();
	counters_stop(state);
	st->phase = 2;
}

extern "C" int bench_main(int argc, char **argv,
			  const bench_def *const *tables)
{
	const char *csv_path = nullptr, *counters = nullptr;
	const char *json_path = nullptr, *filter = nullptr;
	bool quick = false, list = false, aggregates_only = false;
	bool report_aggregates = false, has_min_time = false;
	std::vector<char *> args{argv[0]};
	bool bad = false;

	report_catch_signals();
	// Our flags first; Google Benchmark's are checked, then passed on.
	for (int i = 1; i < argc; i++) {
		const char *v;
		std::string a = argv[i];
		const FlagSpec *spec;

		if ((v = flag_value(argc, argv, &i, "--csv", &bad)))
			csv_path = v;
		else if ((v = flag_value(argc, argv, &i, "--counters", &bad)))
			counters = v;
		else if ((v = flag_value(argc, argv, &i, "--benchmark_out",
					 &bad)))
			json_path = v;
		else if (bad)
			break;
		else if (a == "--quick")
			quick = true;
		else if (a == "--help" || a == "-h") {
			usage();
			return 0;
		} else if (!check_gb_flag(argv[i], &spec, &v)) {
			return 2;
		} else if (spec->kind == kBool && std::strcmp(spec->name,
			   "--benchmark_display_aggregates_only") == 0) {
			// Ours: see Tee::ReportRuns.
			parse_bool(v, &aggregates_only);
		} else {
			bool on = false;
			if (spec->kind == kBool)
				parse_bool(v, &on);
			if (std::strcmp(spec->name, "--benchmark_list_tests")
			    == 0)
				list = on;
			if (std::strcmp(spec->name,
				"--benchmark_report_aggregates_only") == 0)
				report_aggregates = on;
			if (std::strcmp(spec->name, "--benchmark_filter") == 0)
				filter = v;
			if (std::strcmp(spec->name, "--benchmark_min_time") == 0)
				has_min_time = true;
			args.push_back(argv[i]);
		}
	}
	if (bad) {
		std::fprintf(stderr, "%s: needs a value\n", argv[argc - 1]);
		return 2;
	}
	if (csv_path && !*csv_path) {
		std::fprintf(stderr, "--csv: needs a file name\n");
		return 2;
	}
	if (json_path && !*json_path) {
		std::fprintf(stderr, "--benchmark_out: needs a file name\n");
		return 2;
	}
	if (csv_path && report_aggregates) {
		std::fprintf(stderr, "--csv: --benchmark_report_"
			"aggregates_only leaves no per-repetition rows; "
			"use --benchmark_display_aggregates_only\n");
		return 2;
	}
	static char quick_flag[] = "--benchmark_min_time=0.01";
	if (quick && !has_min_time)
		args.push_back(quick_flag);

	if (const char *it = std::getenv("VMBENCH_ITERATIONS")) {
		char *end;
		errno = 0;
		long long n = std::strtoll(it, &end, 10);
		if (!*it || *end || errno || n < 0) {
			std::fprintf(stderr, "VMBENCH_ITERATIONS: '%s' is not "
				     "a whole number >= 0\n", it);
			return 2;
		}
		fixed_iterations = n;
	}
	for (const bench_def *const *t = tables; *t; t++)
		for (const bench_def *d = *t; d->run; d++)
			if (!register_def(d))
				return 2;
	long matched = count_matches(filter ? filter : "");
	if (matched < 0)
		return 2;
	if (matched == 0) {
		std::fprintf(stderr, "--benchmark_filter: '%s' matches no "
			     "benchmark (see --benchmark_list_tests)\n",
			     filter ? filter : "");
		return 2;
	}

	// Every output is opened (as a temporary file) before the run: a
	// bad path fails now, and an interrupted run leaves nothing.
	csv *outs[2] = {nullptr, nullptr};
	size_t nouts = 0;
	report_file json{};
	std::string json_flag;
	if (csv_path && !list) {
		std::string meta = std::string(csv_path) + ".meta.csv";
		int ret = csv_open(&outs[0], csv_path);
		if (ret) {
			std::fprintf(stderr, "--csv %s: %s\n", csv_path,
				     std::strerror(-ret));
			return 2;
		}
		nouts = 1;
		if (csv_in_place(outs[0])) {
			std::fprintf(stderr, "vmbench: --csv %s is not a "
				     "regular file: no %s sidecar\n", csv_path,
				     meta.c_str());
		} else if ((ret = csv_open(&outs[1], meta.c_str()))) {
			std::fprintf(stderr, "--csv %s: cannot write %s: %s\n",
				     csv_path, meta.c_str(),
				     std::strerror(-ret));
			csv_abort(outs[0]);
			return 2;
		} else {
			nouts = 2;
		}
	}
	auto abort_outputs = [&]() {
		for (size_t k = 0; k < nouts; k++)
			csv_abort(outs[k]);
		nouts = 0;
		if (json.path)
			report_abort(&json);
	};
	if (json_path && !list) {
		if (open_output(&json, "--benchmark_out", json_path)) {
			abort_outputs();
			return 2;
		}
		// Google Benchmark writes the temporary file (or, for a
		// stream, the descriptor opened here) by name.
		json_flag = "--benchmark_out=";
		json_flag += json.tmp ? std::string(json.tmp) :
			"/dev/fd/" + std::to_string(fileno(json.fp));
		args.push_back(&json_flag[0]);
	}

	int gargc = (int)args.size();
	args.push_back(nullptr);
	benchmark::Initialize(&gargc, args.data());
	if (benchmark::ReportUnrecognizedArguments(gargc, args.data())) {
		abort_outputs();
		return 2;
	}

	if (!list) {
		ctr_config cfg{};
		std::vector<std::string> names;
		std::vector<const char *> ptrs;
		struct reason err;

		if (counters && std::strcmp(counters, "default") != 0) {
			if (std::strcmp(counters, "none") != 0)
				names = split(counters);
			for (const auto &n : names)
				ptrs.push_back(n.c_str());
			cfg.events = ptrs.data();
			cfg.n_events = ptrs.size();
			static const char *const nothing[1] = {nullptr};
			if (ptrs.empty())
				cfg.events = nothing;
		}
		cfg.force_fail = std::getenv("VMBENCH_CTR_FAIL");
		cfg.force_no_perf = std::getenv("VMBENCH_NO_PERF") != nullptr;
		reason_clear(&err);
		int ret = ctr_open(&shim.ctrs, &cfg, &err);
		if (ret) {
			std::fprintf(stderr, "--counters: %s\n",
				     err.msg[0] ? err.msg : std::strerror(-ret));
			abort_outputs();
			return 2;
		}
		shim.readings.resize(ctr_count(shim.ctrs));
		// One note per counter per run, before any output.
		for (size_t i = 0; i < ctr_count(shim.ctrs); i++)
			if (ctr_note(shim.ctrs, i))
				std::fprintf(stderr, "vmbench: %s\n",
					     ctr_note(shim.ctrs, i));
	}

	std::unique_ptr<benchmark::BenchmarkReporter> display(
		make_display(argc, argv));
	Tee tee(display.get(), aggregates_only);
	size_t ran = benchmark::RunSpecifiedBenchmarks(&tee);
	benchmark::Shutdown();

	int status = collected.errors ? 1 : 0;
	if (ran == 0) {
		// count_matches() and Google Benchmark disagree.
		std::fprintf(stderr, "--benchmark_filter: '%s' matches no "
			     "benchmark\n", filter ? filter : "");
		abort_outputs();
		status = 2;
	} else if (nouts || json.path) {
		if (nouts)
			write_csv(outs[0]);
		if (nouts > 1)
			write_meta(outs[1], argc, argv);
		int ret = nouts ? csv_close_all(outs, nouts,
						json.path ? &json : nullptr) :
				  report_commit(&json);
		if (ret) {
			std::fprintf(stderr, "%s %s: %s\n",
				     csv_path ? "--csv" : "--benchmark_out",
				     csv_path ? csv_path : json_path,
				     std::strerror(-ret));
			status = 2;
		}
	}
	ctr_close(shim.ctrs);
	shim.ctrs = nullptr;
	return status;
}
