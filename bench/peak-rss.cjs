// Preloaded into a benchmarked process (node --require bench/peak-rss.cjs ...): on exit it writes
// the process's peak resident set size, in kB, to the file named by BENCH_RSS_FILE.
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    require("node:fs").writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
