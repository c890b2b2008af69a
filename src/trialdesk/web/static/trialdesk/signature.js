// A small signature pad: draw on the canvas with mouse, pen or finger; the drawing is put into the form's
// hidden `signature_png` field as a PNG data URL when the form is submitted (left empty when nothing is drawn).
(function () {
  "use strict";
  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var field = pad.querySelector("input[name=signature_png]");
    var clear = pad.querySelector("[data-signature-clear]");
    if (!canvas || !field) { return; }
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    context.lineWidth = 2;
    context.lineCap = "round";
    context.strokeStyle = "#1d2733";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      drawn = true;
    });
    function stop() { drawing = false; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }
    var form = pad.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        field.value = drawn ? canvas.toDataURL("image/png") : "";
      });
    }
    pad.setAttribute("data-signature-ready", "");  // drawing before this point would be lost
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  });
})();
