// The payment prompt inside WeChat: hand the server-signed parameters to WeixinJSBridge, then
// go to the result page, which asks WeChat Pay how the order stands (whatever the prompt said).
"use strict";

function requestPayment() {
  const button = document.getElementById("pay-confirm");
  const params = JSON.parse(document.getElementById("pay-params").textContent);
  if (typeof window.WeixinJSBridge === "undefined") {
    if (button.dataset.standin) {  // development: the WeChat Pay stand-in's payment sheet
      window.location.href = button.dataset.standin;
      return;
    }
    if (/MicroMessenger/i.test(navigator.userAgent)) {  // inside WeChat, its bridge not ready yet: pay once it is
      button.disabled = true;
      document.addEventListener("WeixinJSBridgeReady", requestPayment, { once: true });
      return;
    }
    document.getElementById("pay-outside").hidden = false;
    return;
  }
  button.disabled = true;
  window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, () => {
    window.location.href = button.dataset.result;
  });
}

// The button comes disabled (pay.html) and is enabled here: a tap before this script ran is not lost
// on a button that looks ready.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("pay-confirm");
  button.addEventListener("click", requestPayment);
  button.disabled = false;
});
