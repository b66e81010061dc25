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
    document.getElementById("pay-outside").hidden = false;
    return;
  }
  button.disabled = true;
  window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, () => {
    window.location.href = button.dataset.result;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("pay-confirm").addEventListener("click", requestPayment);
});
