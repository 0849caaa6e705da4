/*
 * Trailmark tracker: cookie-less page views, scroll depth, outbound links and custom events.
 * Served minified from GET /js/tracker.js (ingest/tracker.py); this is the readable source.
 *
 * Install, in the page's <head>:
 *
 *   <script defer data-id="WEBSITE_UUID" src="https://HOST/js/tracker.js"></script>
 *
 * data-api="https://HOST/api/v1/collect" (optional) overrides the collect endpoint; the default is
 * the script's own origin + "/api/v1/collect".
 *
 * Custom events: window.analytics.track("signup", {plan: "pro"}) sends event_type "custom" with
 * event_name "signup" and properties {plan: "pro"}. To call track() before this deferred script has
 * run, put this stub before the tag above; its calls are queued and sent once the script loads:
 *
 *   <script>window.analytics = window.analytics || {q: [], track: function () { this.q.push(arguments) }};</script>
 *
 * Automatic events: page_view on DOMContentLoaded (at once if already past it; after activation
 * when prerendered) and on single-page-app navigations that change the path (pushState,
 * replaceState, popstate); scroll_25/50/75 once per page view; outbound_link (properties {url})
 * on clicks on links to another host; close_tab once per page view, when the tab becomes hidden,
 * through navigator.sendBeacon so it survives the page being closed.
 *
 * screen_width/screen_height are the viewport (window.innerWidth/innerHeight), as the spec's
 * "viewport width in pixels" asks, not the physical screen.
 *
 * Privacy: no cookies (requests are sent with credentials "omit"; sendBeacon carries none for a
 * third-party API origin), and nothing is written to localStorage or sessionStorage. The only thing
 * read is the opt-out: localStorage.trailmark_ignore = "true" stops all sending in that browser.
 *
 * Nothing here throws into the host page: every entry point is wrapped in try/catch.
 */
(function (w, d, loc) {
  "use strict";

  // Wraps a handler so an error in it never reaches the host page.
  function safe(fn) {
    return function () {
      try {
        fn.apply(this, arguments);
      } catch (e) {}
    };
  }

  try {
    var script = d.currentScript || d.querySelector('script[data-id][src*="tracker.js"]');
    var id = script && script.getAttribute("data-id");
    if (!id) return;
    var api = script.getAttribute("data-api") || new URL(script.src).origin + "/api/v1/collect";
    var nav = navigator;
    var referrer = d.referrer;
    var path; // path of the current page view
    var href; // last URL seen, the referrer of the next SPA page view
    var depth; // scroll thresholds already sent in this page view (0..3)
    var closed; // close_tab already sent in this page view

    var ignored = function () {
      try {
        return localStorage.trailmark_ignore === "true";
      } catch (e) {
        return false;
      }
    };

    var send = function (type, properties, name, beacon) {
      if (ignored()) return;
      var body = {
        website_id: id,
        event_type: type,
        url: loc.href,
        path: loc.pathname,
        referrer: referrer,
        screen_width: w.innerWidth,
        screen_height: w.innerHeight
      };
      if (properties) body.properties = properties;
      if (name) body.event_name = name;
      body = JSON.stringify(body);
      try {
        if (beacon && nav.sendBeacon(api, new Blob([body], { type: "application/json" }))) return;
      } catch (e) {}
      fetch(api, {
        method: "POST",
        keepalive: true,
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: body
      })["catch"](function () {});
    };

    // A new page view when the path changed (first load, or a single-page-app navigation).
    var view = safe(function () {
      if (loc.pathname !== path) {
        if (path) referrer = href;
        path = loc.pathname;
        depth = closed = 0;
        send("page_view");
      }
      href = loc.href;
    });

    var track = safe(function (name, properties) {
      if (typeof name === "string" && name) {
        var plain = properties && typeof properties === "object" && !Array.isArray(properties);
        send("custom", plain ? properties : 0, name);
      }
    });

    var start = safe(function () {
      if (d.prerendering) d.addEventListener("prerenderingchange", view, { once: true });
      else view();
    });

    ["pushState", "replaceState"].forEach(function (method) {
      var original = history[method];
      history[method] = function () {
        // The page's own call keeps its result and its exceptions; only ours are swallowed.
        var result = original.apply(this, arguments);
        view();
        return result;
      };
    });
    w.addEventListener("popstate", view);

    w.addEventListener(
      "scroll",
      safe(function () {
        var el = d.scrollingElement || d.documentElement;
        var percent = ((w.scrollY + w.innerHeight) / el.scrollHeight) * 100;
        while (depth < 3 && percent >= 25 * (depth + 1)) send("scroll_" + 25 * ++depth);
      }),
      { passive: true }
    );

    // Capture phase, so a page handler that stops propagation cannot hide the click.
    var click = safe(function (event) {
      if (event.type === "auxclick" && event.button !== 1) return;
      var link = event.target.closest && event.target.closest("a[href]");
      if (link && /^https?:$/.test(link.protocol) && link.host !== loc.host) {
        send("outbound_link", { url: link.href });
      }
    });
    d.addEventListener("click", click, true);
    d.addEventListener("auxclick", click, true);

    d.addEventListener(
      "visibilitychange",
      safe(function () {
        if (d.visibilityState === "hidden" && !closed) {
          closed = 1;
          send("close_tab", 0, 0, 1);
        }
      })
    );

    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start);
    else start();

    // Replace the stub (if any) and send what was queued before we loaded.
    var analytics = (w.analytics = w.analytics || {});
    var queue = analytics.q || [];
    analytics.track = track;
    delete analytics.q;
    for (var i = 0; i < queue.length; i++) track.apply(null, queue[i]);
  } catch (e) {}
})(window, document, location);
