#!/bin/sh
# Browser test of a vclab report: headless Chromium loads report.html and the
# test fails when the page logs a console error, violates its own
# Content-Security-Policy (i.e. tried to fetch anything), has an image that
# did not load, has an inline SVG figure that rendered empty, or lacks its
# main sections, or has a table wider than its container at a laptop's
# 1280 px (a column hidden behind a horizontal scrollbar: issue 29). A
# screenshot is kept for a human look.
#
#   tests/browser/run.sh REPORT.html [SCREENSHOT.png]
#   tests/browser/run.sh --self-test      # prove the checks can fail
#
# $VCLAB_BROWSER_SECTIONS: ids of sections the page must hold besides host,
# startup and definitions ("resources" for a report with the tax table).
# $VCLAB_BROWSER_COLUMNS: what the first table under a heading must hold,
# "|"-separated: ID=TEXT a column headed TEXT, ID~TEXT a cell starting
# with TEXT (e.g. "resources-disk=storage|resources-net~veth pair").
#
# Exit 0 pass, 1 fail, 2 usage. Skips (exit 0, with a message) only when no
# chromium is installed. Override the browser with $CHROMIUM.
set -eu

CHROMIUM=${CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$c")
			break
		fi
	done
fi

usage() {
	echo "usage: $0 REPORT.html [SCREENSHOT.png] | --self-test" >&2
	exit 2
}

[ $# -ge 1 ] || usage
if [ -z "$CHROMIUM" ]; then
	echo "browser test: SKIP: chromium is not installed"
	exit 0
fi

# The check runs inside the page after load. It is injected into a copy of
# the report (the report itself has no scripts), with the policy widened by
# exactly this one inline script; every fetch stays forbidden.
CHECK_JS='
(function () {
  var problems = [], out_tables = 0;
  document.addEventListener("securitypolicyviolation", function (e) {
    problems.push("blocked fetch of " + (e.blockedURI || "?") + " (" + e.violatedDirective + ")");
  });
  window.addEventListener("error", function (e) {
    problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "?"));
  }, true);
  window.addEventListener("load", function () {
    setTimeout(function () {
      var imgs = document.images;
      for (var i = 0; i < imgs.length; i++)
        if (!imgs[i].complete || imgs[i].naturalWidth === 0)
          problems.push("image did not load: " + imgs[i].getAttribute("src"));
      var svgs = document.querySelectorAll("figure svg");
      for (var j = 0; j < svgs.length; j++) {
        var r = svgs[j].getBoundingClientRect();
        if (r.width < 100 || r.height < 50)
          problems.push("figure svg rendered " + Math.round(r.width) + "x" + Math.round(r.height));
      }
      var res = performance.getEntriesByType("resource");
      for (var k = 0; k < res.length; k++)
        problems.push("fetched " + res[k].name);
      // At 1280 px no table may hide a column behind a scrollbar: each
      // table container (the .tw scroller) holds it without scrolling.
      var tables = document.querySelectorAll("table");
      for (var t = 0; t < tables.length; t++) {
        var box = tables[t].parentElement, sec = tables[t], h = null;
        while (sec && !h) {
          for (var s = sec.previousElementSibling; s && !h; s = s.previousElementSibling)
            if (/^H[1-4]$/.test(s.tagName)) h = s;
          sec = sec.parentElement;
        }
        if (box.scrollWidth > box.clientWidth || tables[t].getBoundingClientRect().width > box.clientWidth + 0.5)
          problems.push("table " + (t + 1) + " (" + (h ? h.textContent.trim() : "top") + ", " +
            tables[t].rows[0].cells.length + " columns) is " + box.scrollWidth +
            " px wide in a " + box.clientWidth + " px container at " + window.innerWidth + " px");
      }
      out_tables = tables.length;
      "@SECTIONS@".split(" ").filter(Boolean).forEach(function (id) {
        if (!document.getElementById(id)) problems.push("missing section #" + id);
      });
      "@COLUMNS@".split("|").filter(Boolean).forEach(function (req) {
        var m = req.match(/^([a-z0-9-]+)([=~])(.+)$/), tb = null;
        if (!m) return problems.push("bad requirement " + req);
        var head = document.getElementById(m[1]);
        for (var e = head && head.nextElementSibling; e && !tb; e = e.nextElementSibling) {
          if (/^H[1-4]$/.test(e.tagName)) break;
          tb = e.tagName === "TABLE" ? e : e.querySelector("table");
        }
        if (!tb) return problems.push("no table under #" + m[1]);
        var found = Array.prototype.some.call(tb.querySelectorAll(m[2] === "=" ? "th" : "td"),
          function (c) {
            var x = c.textContent.trim();
            return m[2] === "=" ? x === m[3] : x.indexOf(m[3]) === 0;
          });
        if (!found)
          problems.push("table under #" + m[1] + " lacks " +
            (m[2] === "=" ? "a column " : "a cell starting ") + m[3]);
      });
      var out = document.createElement("pre");
      out.id = "vclab-browser-check";
      out.setAttribute("data-figures", String(svgs.length));
      out.setAttribute("data-tables", String(out_tables));
      out.textContent = problems.length ? "FAIL " + problems.join(" | ") : "OK";
      document.body.appendChild(out);
    }, 200);
  });
})();
'

# run_check HTML SCREENSHOT: prints the verdict line; returns 0 pass, 1 fail.
run_check() {
	html=$1
	shot=$2
	tmp=$(mktemp -d /tmp/vclab-browser.XXXXXX)
	# Remove the temporary profile and copies whatever happens.
	trap 'rm -rf "$tmp"' EXIT INT TERM
	dir=$(cd "$(dirname "$html")" && pwd)
	copy="$dir/.vclab-browser-check.$$.html"
	# The copy sits next to the report so relative links resolve as in the
	# real page; it goes away with the temporary folder, whatever happens.
	trap 'rm -rf "$tmp" "$copy"' EXIT INT TERM
	sections=$(echo "host startup definitions ${VCLAB_BROWSER_SECTIONS:-}" | tr -cd 'a-z0-9 -')
	columns=$(printf '%s' "${VCLAB_BROWSER_COLUMNS:-}" | tr -cd 'A-Za-z0-9 _/=|~.()-')
	printf '%s\n' "$CHECK_JS" | sed "s/@SECTIONS@/$sections/; s#@COLUMNS@#$columns#" >"$tmp/check.js"
	# Insert the check as the first thing in <head>, and allow inline scripts.
	awk -v jsfile="$tmp/check.js" '
		BEGIN { while ((getline l < jsfile) > 0) js = js l "\n" }
		/<head>/ && !done { print; print "<script>" js "</script>"; done = 1; next }
		{ gsub(/default-src '\''none'\'';/, "default-src '\''none'\''; script-src '\''unsafe-inline'\'';"); print }
	' "$html" >"$copy"
	mkdir -p "$tmp/profile"
	set +e
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --mute-audio \
		--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --window-size=1280,900 \
		--virtual-time-budget=3000 --dump-dom "file://$copy" >"$tmp/dom.html" 2>"$tmp/log"
	rc=$?
	if [ -n "$shot" ]; then
		# A profile of its own: the first run's may still be locked.
		mkdir -p "$tmp/profile-shot"
		timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--disable-default-apps --disable-extensions --mute-audio \
			--user-data-dir="$tmp/profile-shot" --hide-scrollbars \
			--screenshot="$shot" --window-size=1280,900 "file://$dir/$(basename "$html")" >/dev/null 2>&1
	fi
	set -e
	rm -f "$copy"
	if [ $rc -ne 0 ]; then
		echo "FAIL chromium exited $rc: $(tail -n 3 "$tmp/log" | tr '\n' ' ')"
		return 1
	fi
	verdict=$(sed -n 's/.*<pre id="vclab-browser-check"[^>]*>\(.*\)<\/pre>.*/\1/p' "$tmp/dom.html")
	figures=$(sed -n 's/.*<pre id="vclab-browser-check" data-figures="\([0-9]*\)".*/\1/p' "$tmp/dom.html")
	tables=$(sed -n 's/.*<pre id="vclab-browser-check" [^>]*data-tables="\([0-9]*\)".*/\1/p' "$tmp/dom.html")
	# Console errors (e.g. a policy violation logged by the browser itself).
	console=$(grep -E 'CONSOLE|Refused to|Uncaught' "$tmp/log" | grep -v 'vclab-browser-check' | head -n 3 || true)
	if [ -z "$verdict" ]; then
		echo "FAIL the check did not run (no verdict in the DOM)"
		return 1
	fi
	if [ -n "$console" ]; then
		echo "FAIL console: $(printf '%s' "$console" | tr '\n' ' ')"
		return 1
	fi
	case $verdict in
	OK)
		echo "OK ($figures inline figures, $tables tables within 1280 px)"
		return 0
		;;
	*)
		echo "$verdict" | sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g'
		return 1
		;;
	esac
}

if [ "$1" = "--self-test" ]; then
	# A page with a broken image, a fetch or a table wider than the page at
	# 1280 px must fail; a clean page (with a table that fits) must pass.
	st=$(mktemp -d /tmp/vclab-browser-st.XXXXXX)
	trap 'rm -rf "$st"' EXIT
	base='<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src '\''none'\''; style-src '\''unsafe-inline'\''; img-src data:">
<title>t</title></head><body><main><h2 id="host">Host</h2><h2 id="startup">Startup</h2>
<h2 id="definitions">Definitions</h2>'
	row='<tr><td>a</td><td>b</td></tr>'
	printf '%s<div style="overflow-x:auto"><table>%s</table></div></main></body></html>\n' "$base" "$row" >"$st/good.html"
	wide='<tr>'
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		wide="$wide<td style=\"white-space:nowrap\">column-$i-wide-figure</td>"
	done
	printf '%s<div style="overflow-x:auto"><table>%s</tr></table></div></main></body></html>\n' "$base" "$wide" >"$st/wide-table.html"
	printf '%s<img src="missing.png" alt="x"></main></body></html>\n' "$base" >"$st/broken-img.html"
	printf '%s<img src="https://example.invalid/x.png" alt="x"></main></body></html>\n' "$base" >"$st/fetch.html"
	fail=0
	if out=$("$0" "$st/good.html"); then
		echo "self-test: clean page passes: $out"
	else
		echo "self-test: FAIL: a clean page failed: $out"
		fail=1
	fi
	for bad in broken-img fetch wide-table; do
		if out=$("$0" "$st/$bad.html"); then
			echo "self-test: FAIL: $bad page passed: $out"
			fail=1
		else
			echo "self-test: $bad page fails as it must: $out"
		fi
	done
	if out=$(VCLAB_BROWSER_SECTIONS=resources "$0" "$st/good.html"); then
		echo "self-test: FAIL: a page without a required section passed: $out"
		fail=1
	else
		echo "self-test: a page without a required section fails as it must: $out"
	fi
	# The table under #definitions holds a column "a" and a cell "b...", not a
	# column "c" nor a cell "z".
	sed 's#<tr><td>a</td>#<tr><th>a</th></tr><tr><td>bx</td>#' "$st/good.html" >"$st/cols.html"
	if out=$(VCLAB_BROWSER_COLUMNS='definitions=a|definitions~b' "$0" "$st/cols.html"); then
		echo "self-test: a page with the required column and cell passes: $out"
	else
		echo "self-test: FAIL: a page with the required column and cell failed: $out"
		fail=1
	fi
	for req in 'definitions=c' 'definitions~z'; do
		if out=$(VCLAB_BROWSER_COLUMNS=$req "$0" "$st/cols.html"); then
			echo "self-test: FAIL: a page lacking $req passed: $out"
			fail=1
		else
			echo "self-test: a page lacking $req fails as it must: $out"
		fi
	done
	exit $fail
fi

html=$1
shot=$(realpath -m "${2:-${TMPDIR:-/tmp}/vclab-report-screenshot.png}") # chromium wants it absolute
[ -f "$html" ] || { echo "browser test: no such file: $html" >&2; exit 2; }
if out=$(run_check "$html" "$shot"); then
	echo "browser test: PASS $html: $out; screenshot $shot"
	exit 0
fi
echo "browser test: FAIL $html: $out"
exit 1
