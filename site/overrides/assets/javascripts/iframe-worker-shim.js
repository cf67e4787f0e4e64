/* Web Worker stand-in for pages opened from file:// (greenpark, written for this site).
 *
 * Browsers refuse `new Worker(url)` on file:// pages, which would break the search box when the
 * site is opened from a folder or a LAN share. Only there, Worker is replaced by a class that
 * runs the worker script in a hidden iframe of the same document and relays messages with
 * events. The theme's search worker looks for `IFrameWorker` in its parent to find its
 * language files, so the class is exposed under that name too. */
(function () {
  "use strict";
  if (location.protocol !== "file:" || typeof EventTarget === "undefined") return;

  function loadScript(win, src) {
    return new Promise(function (resolve, reject) {
      var script = win.document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      win.document.body.appendChild(script);
    });
  }

  class FrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      var href = new URL(String(url), document.baseURI).href;
      var frame = document.createElement("iframe");
      frame.hidden = true;
      frame.setAttribute("aria-hidden", "true");
      document.body.appendChild(frame);
      this.frame = frame;
      var win = frame.contentWindow;
      var worker = this;
      // Globals a worker script expects: postMessage sends to the page, importScripts loads
      // (asynchronously: callers in this theme await it).
      win.postMessage = function (data) {
        setTimeout(function () { worker.deliver("message", data); }, 0);
      };
      win.importScripts = function () {
        var urls = Array.prototype.slice.call(arguments);
        return urls.reduce(function (done, src) {
          return done.then(function () { return loadScript(win, new URL(src, href).href); });
        }, Promise.resolve());
      };
      this.ready = loadScript(win, href).catch(function (error) {
        worker.deliver("error", error);
        throw error;
      });
    }

    deliver(type, payload) {
      var event = type === "message"
        ? new MessageEvent("message", { data: payload })
        : new ErrorEvent("error", { error: payload, message: String(payload) });
      this.dispatchEvent(event);
      var handler = type === "message" ? this.onmessage : this.onerror;
      if (typeof handler === "function") handler.call(this, event);
    }

    postMessage(data) {
      var win = this.frame.contentWindow;
      this.ready.then(function () {
        win.dispatchEvent(new win.MessageEvent("message", { data: data }));
      }, function () { /* load error already reported */ });
    }

    terminate() {
      this.frame.remove();
    }
  }

  window.IFrameWorker = FrameWorker;
  window.Worker = FrameWorker;
})();
