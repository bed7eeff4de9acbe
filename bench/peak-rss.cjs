// Preloaded into a benchmarked process (node --require bench/peak-rss.cjs ...): on exit it writes
// the process's peak resident set size (kB) and CPU time (user + system, all threads, µs) as JSON
// to the file named by BENCH_RSS_FILE.
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    require("node:fs").writeFileSync(
      file,
      JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime }),
    );
  });
}
