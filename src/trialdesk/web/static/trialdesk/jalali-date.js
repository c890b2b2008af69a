// Jalali (Solar Hijri) date entry for people who chose the Jalali calendar (<body data-calendar="jalali">).
// Each <input type="date"> becomes three selects (day, month, year, in the Jalali calendar); the input itself
// turns hidden and keeps carrying the Gregorian ISO date (YYYY-MM-DD) the server stores, so nothing is guessed
// on the server. Without script the browser's own date input stays. No inline script (Content-Security-Policy).
// Conversion: the 33-year arithmetic rule of the Solar Hijri calendar, as jdatetime uses (tested against it).
(function () {
  "use strict";
  var MONTHS = {
    fa: ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"],
    en: ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"]
  };
  var LABELS = {
    fa: { day: "روز", month: "ماه", year: "سال", empty: "—" },
    en: { day: "Day (Jalali)", month: "Month (Jalali)", year: "Year (Jalali)", empty: "—" }
  };
  var FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  function div(a, b) { return Math.floor(a / b); }

  function toJalali(gy, gm, gd) {
    var sumBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    var gy2 = gm > 2 ? gy + 1 : gy;
    var days = 355666 + 365 * gy + div(gy2 + 3, 4) - div(gy2 + 99, 100) + div(gy2 + 399, 400) + gd + sumBefore[gm - 1];
    var jy = -1595 + 33 * div(days, 12053);
    days %= 12053;
    jy += 4 * div(days, 1461);
    days %= 1461;
    if (days > 365) { jy += div(days - 1, 365); days = (days - 1) % 365; }
    if (days < 186) { return [jy, 1 + div(days, 31), 1 + (days % 31)]; }
    return [jy, 7 + div(days - 186, 30), 1 + ((days - 186) % 30)];
  }

  function toGregorian(jy, jm, jd) {
    jy += 1595;
    var days = -355668 + 365 * jy + div(jy, 33) * 8 + div((jy % 33) + 3, 4) + jd + (jm < 7 ? (jm - 1) * 31 : (jm - 7) * 30 + 186);
    var gy = 400 * div(days, 146097);
    days %= 146097;
    if (days > 36524) { days -= 1; gy += 100 * div(days, 36524); days %= 36524; if (days >= 365) { days += 1; } }
    gy += 4 * div(days, 1461);
    days %= 1461;
    if (days > 365) { gy += div(days - 1, 365); days = (days - 1) % 365; }
    var gd = days + 1;
    var leap = (gy % 4 === 0 && gy % 100 !== 0) || gy % 400 === 0;
    var lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    var gm = 0;
    while (gm < 12 && gd > lengths[gm]) { gd -= lengths[gm]; gm += 1; }
    return [gy, gm + 1, gd];
  }

  function monthLength(jy, jm) {
    if (jm <= 6) { return 31; }
    if (jm <= 11) { return 30; }
    var g = toGregorian(jy, 12, 30), back = toJalali(g[0], g[1], g[2]);
    return back[0] === jy && back[1] === 12 && back[2] === 30 ? 30 : 29;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function digits(n, lang) { return lang === "fa" ? String(n).replace(/[0-9]/g, function (d) { return FA_DIGITS[+d]; }) : String(n); }

  function select(name, label, options, lang, testid) {
    var s = document.createElement("select");
    s.setAttribute("aria-label", label);
    s.setAttribute("data-testid", testid);
    s.className = "jalali-" + name;
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = LABELS[lang].empty;
    s.appendChild(empty);
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = String(o[0]);
      opt.textContent = o[1];
      s.appendChild(opt);
    });
    return s;
  }

  function enhance(input) {
    if (input.dataset.jalali === "on" || input.disabled) { return; }
    var lang = document.documentElement.lang === "fa" ? "fa" : "en";
    var today = new Date();
    var thisYear = toJalali(today.getFullYear(), today.getMonth() + 1, today.getDate())[0];
    var minYear = input.min ? toJalali(+input.min.slice(0, 4), +input.min.slice(5, 7), +input.min.slice(8, 10))[0] : thisYear - 110;
    var maxYear = input.max ? toJalali(+input.max.slice(0, 4), +input.max.slice(5, 7), +input.max.slice(8, 10))[0] : thisYear + 5;
    var years = [], days = [], months = [], y, testid = input.getAttribute("data-testid") || input.name;
    for (y = maxYear; y >= minYear; y -= 1) { years.push([y, digits(y, lang)]); }
    for (y = 1; y <= 31; y += 1) { days.push([y, digits(y, lang)]); }
    MONTHS[lang].forEach(function (name, i) { months.push([i + 1, name]); });
    var box = document.createElement("span");
    box.className = "jalali-date";
    box.setAttribute("role", "group");
    var day = select("day", LABELS[lang].day, days, lang, testid + "-jalali-day");
    var month = select("month", LABELS[lang].month, months, lang, testid + "-jalali-month");
    var year = select("year", LABELS[lang].year, years, lang, testid + "-jalali-year");
    box.appendChild(day); box.appendChild(month); box.appendChild(year);
    if (input.value) {
      var j = toJalali(+input.value.slice(0, 4), +input.value.slice(5, 7), +input.value.slice(8, 10));
      year.value = String(j[0]); month.value = String(j[1]); day.value = String(j[2]);
    }
    function update() {
      var value = "";
      if (year.value && month.value && day.value) {
        var jd = Math.min(+day.value, monthLength(+year.value, +month.value));
        day.value = String(jd);
        var g = toGregorian(+year.value, +month.value, jd);
        value = g[0] + "-" + pad(g[1]) + "-" + pad(g[2]);
      }
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    [day, month, year].forEach(function (s) { s.addEventListener("change", function (event) { event.stopPropagation(); update(); }); });
    input.type = "hidden";
    input.dataset.jalali = "on";
    input.insertAdjacentElement("afterend", box);
  }

  function enhanceAll(root) {
    if (!document.body || document.body.getAttribute("data-calendar") !== "jalali") { return; }
    Array.prototype.forEach.call(root.querySelectorAll("input[type=date]"), enhance);
  }

  window.trialdeskJalali = { toJalali: toJalali, toGregorian: toGregorian };
  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
