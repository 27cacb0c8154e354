// Lighthouse on each URL given, `runs` times, in one Chromium (Debian's, never a downloaded one).
// Prints {url: [{performance, accessibility, "best-practices", seo}, ...]} as JSON.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const [runs, ...urls] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const out = {};
try {
  for (const url of urls) {
    out[url] = [];
    for (let i = 0; i < Number(runs); i++) {
      const { lhr } = await lighthouse(url, {
        port: chrome.port, output: "json", logLevel: "error", formFactor: "mobile",
        onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
      });
      const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, c.score]));
      scores.failed = Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
        .map((a) => a.id);
      out[url].push(scores);
    }
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(out));
