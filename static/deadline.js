// The guide's deadline calculator. The page states every rule in words; this only turns the dates a
// person types into calendar dates. Rules come from the deadline rows' data-* attributes, which the
// generator writes from content/plan-types/. Dates are whole year-month-day numbers, never timestamps,
// so the visitor's time zone cannot shift a deadline.
(function () {
  "use strict";
  var form = document.getElementById("deadline-calc");
  if (!form) return;
  var rows = document.querySelectorAll(".deadline-row");
  var out = document.getElementById("calc-result");
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  function span(text) {
    var m = /^(?:up to )?(\d+) (day|days|month|months|hour|hours|business days)$/.exec(text || "");
    return m ? { n: +m[1], unit: m[2].replace(/^(day|month|hour)$/, "$1s") } : null;
  }
  // Days since 1970-01-01 from a civil date and back (H. Hinnant's algorithms): exact for any date.
  function toDays(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    var era = Math.floor(y / 400), yoe = y - era * 400;
    var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  }
  function fromDays(z) {
    z += 719468;
    var era = Math.floor(z / 146097), doe = z - era * 146097;
    var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    var mp = Math.floor((5 * doy + 2) / 153), d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    var m = mp + (mp < 10 ? 3 : -9);
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
  }
  function monthLength(y, m) { return fromDays(toDays(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - 1)[2]; }
  // A date plus a rule's time. "N months" ends on the same day N months later, or on the first day of
  // the month after that when the day does not exist there (31 January + 1 month = 1 March).
  function add(date, s) {
    if (!s || s.unit === "business days") return null;
    if (s.unit === "days") return fromDays(toDays(date[0], date[1], date[2]) + s.n);
    if (s.unit === "hours") return fromDays(toDays(date[0], date[1], date[2]) + Math.ceil(s.n / 24));
    var months = date[1] - 1 + s.n, y = date[0] + Math.floor(months / 12), m = months % 12 + 1;
    if (date[2] <= monthLength(y, m)) return [y, m, date[2]];
    return m === 12 ? [y + 1, 1, 1] : [y, m + 1, 1];
  }
  function parseDate(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return m ? [+m[1], +m[2], +m[3]] : null;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function line(parts) {
    var p = document.createElement("p");
    parts.forEach(function (part) {
      if (typeof part === "string") { p.appendChild(document.createTextNode(part)); return; }
      var t = document.createElement("time");
      t.dateTime = part[0] + "-" + pad(part[1]) + "-" + pad(part[2]);
      t.textContent = MONTHS[part[1] - 1] + " " + part[2] + ", " + part[0];
      p.appendChild(t);
    });
    out.appendChild(p);
  }
  function deadline(label, el, from) {
    var value = el.getAttribute("data-file-within"), date = add(from, span(value));
    if (el.getAttribute("data-bound") === "at-most") line([label + ": your state or plan may set less than " + value.replace(/^up to /, "") + ", so use the date on your notice."]);
    else if (!date) line([label + ": " + value + "; see the rule above."]);
    // A minimum the plan may extend: "at the earliest" beside "last day" read as "do not file before".
    else if (el.getAttribute("data-bound") === "at-least") line([label + ": you have until at least ", date, "; your plan may allow more."]);
    else line([label + ": ", date, "."]);
  }
  function render() {
    out.textContent = "";
    var row = rows[+document.getElementById("calc-plan").value];
    var notice = parseDate(document.getElementById("calc-notice").value);
    var filed = parseDate(document.getElementById("calc-filed").value);
    var decided = parseDate(document.getElementById("calc-decided").value);
    if (!row || !notice) return;
    var now = new Date(), today = [now.getFullYear(), now.getMonth() + 1, now.getDate()];
    if (toDays(notice[0], notice[1], notice[2]) > toDays(today[0], today[1], today[2])) {
      line(["That date is in the future. Enter the date printed on your denial notice."]);
      return;
    }
    var rule = row.querySelector(".rule"), next = row.querySelector(".next");
    if (rule.hasAttribute("data-file-within")) deadline("Last day to appeal", rule, notice);
    if (filed) {
      var std = add(filed, span(rule.getAttribute("data-decide"))), fast = add(filed, span(rule.getAttribute("data-decide-fast")));
      // A time for a request for care (or a drug) is not the time for a claim for care already had, which
      // may be longer: the date says which it is.
      var kind = rule.getAttribute("data-decide-kind");
      var what = kind === "pre-service" ? "For care you have not had yet, the plan"
        : kind === "drug" ? "For a drug you have not had yet, the plan"
        : kind === "post-service" || kind === "payment" ? "For care you already had, the plan" : "";
      // A plain time may be a state's or a Medicare contractor's (a fair hearing, a redetermination), not a plan's.
      if (std) line([what ? what + " must decide by " : "A decision is due by ", std, fast ? "; a fast appeal by " : ".", fast || "", fast ? "." : ""]);
      var claim = add(filed, span(rule.getAttribute("data-decide-claim")));
      if (claim) line(["For care you already had, the plan must decide by ", claim, "."]);
    }
    if (next && decided) {
      if (next.getAttribute("data-who-files") === "forwarded") line(["Next level: the plan sends your case on itself."]);
      else if (next.hasAttribute("data-file-within")) deadline("Last day for the next level", next, decided);
      if (next.hasAttribute("data-when")) line(["The next level is open " + next.getAttribute("data-when") + "."]);
    }
  }
  form.hidden = false;
  form.addEventListener("input", render);
  form.addEventListener("change", render);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();
