#!/bin/sh
# Browser test of a vclab report: headless Chromium loads report.html and the
# test fails when the page logs a console error, violates its own
# Content-Security-Policy (i.e. tried to fetch anything), has an image that
# did not load, has an inline SVG figure that rendered empty, or lacks its
# main sections. A screenshot is kept for a human look.
#
#   tests/browser/run.sh REPORT.html [SCREENSHOT.png]
#   tests/browser/run.sh --self-test      # prove the checks can fail
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
  var problems = [];
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
      ["host", "startup", "definitions"].forEach(function (id) {
        if (!document.getElementById(id)) problems.push("missing section #" + id);
      });
      var out = document.createElement("pre");
      out.id = "vclab-browser-check";
      out.setAttribute("data-figures", String(svgs.length));
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
	printf '%s\n' "$CHECK_JS" >"$tmp/check.js"
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
		--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
		--virtual-time-budget=3000 --dump-dom "file://$copy" >"$tmp/dom.html" 2>"$tmp/log"
	rc=$?
	if [ -n "$shot" ]; then
		# A profile of its own: the first run's may still be locked.
		mkdir -p "$tmp/profile-shot"
		timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--disable-default-apps --disable-extensions --mute-audio \
			--user-data-dir="$tmp/profile-shot" --hide-scrollbars \
			--screenshot="$shot" --window-size=1366,900 "file://$dir/$(basename "$html")" >/dev/null 2>&1
	fi
	set -e
	rm -f "$copy"
	if [ $rc -ne 0 ]; then
		echo "FAIL chromium exited $rc: $(tail -n 3 "$tmp/log" | tr '\n' ' ')"
		return 1
	fi
	verdict=$(sed -n 's/.*<pre id="vclab-browser-check"[^>]*>\(.*\)<\/pre>.*/\1/p' "$tmp/dom.html")
	figures=$(sed -n 's/.*<pre id="vclab-browser-check" data-figures="\([0-9]*\)".*/\1/p' "$tmp/dom.html")
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
		echo "OK ($figures inline figures)"
		return 0
		;;
	*)
		echo "$verdict" | sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g'
		return 1
		;;
	esac
}

if [ "$1" = "--self-test" ]; then
	# A page with a broken image and a fetch must fail; a clean page must pass.
	st=$(mktemp -d /tmp/vclab-browser-st.XXXXXX)
	trap 'rm -rf "$st"' EXIT
	base='<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src '\''none'\''; style-src '\''unsafe-inline'\''; img-src data:">
<title>t</title></head><body><main><h2 id="host">Host</h2><h2 id="startup">Startup</h2>
<h2 id="definitions">Definitions</h2>'
	printf '%s</main></body></html>\n' "$base" >"$st/good.html"
	printf '%s<img src="missing.png" alt="x"></main></body></html>\n' "$base" >"$st/broken-img.html"
	printf '%s<img src="https://example.invalid/x.png" alt="x"></main></body></html>\n' "$base" >"$st/fetch.html"
	fail=0
	if out=$("$0" "$st/good.html"); then
		echo "self-test: clean page passes: $out"
	else
		echo "self-test: FAIL: a clean page failed: $out"
		fail=1
	fi
	for bad in broken-img fetch; do
		if out=$("$0" "$st/$bad.html"); then
			echo "self-test: FAIL: $bad page passed: $out"
			fail=1
		else
			echo "self-test: $bad page fails as it must: $out"
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
