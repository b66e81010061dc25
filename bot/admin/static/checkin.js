// Check-in: where the browser can read QR codes (BarcodeDetector, e.g. Chrome on Android), the
// camera button scans the registrant's code and sends it; typing the code works everywhere.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const button = document.getElementById("checkin-camera");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const formats = await window.BarcodeDetector.getSupportedFormats();
  if (!formats.includes("qr_code")) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const video = document.getElementById("checkin-video");
    const stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const detector = new window.BarcodeDetector({formats: ["qr_code"]});
    const look = async () => {
      const codes = await detector.detect(video);
      if (codes.length) {
        stream.getTracks().forEach((track) => track.stop());
        document.getElementById("checkin-code").value = codes[0].rawValue;
        document.getElementById("checkin-form").submit();
        return;
      }
      requestAnimationFrame(look);
    };
    look();
  });
});
