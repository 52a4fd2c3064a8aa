/* Drawing a mask over a frame: polygons (click points, close) and a brush, kept in the frame's own
   pixels and written to a hidden input as a JSON list of polygons ([[x, y], ...]), which is what
   the edit service takes as mask_polygons. */
(function () {
  "use strict";

  var CLOSE_DISTANCE = 10; // display pixels from the first point that close a polygon
  var CIRCLE_SIDES = 12;

  function area(points) {
    var sum = 0;
    for (var i = 0; i < points.length; i++) {
      var a = points[i], b = points[(i + 1) % points.length];
      sum += a[0] * b[1] - b[0] * a[1];
    }
    return Math.abs(sum) / 2;
  }

  function round(points) {
    return points.map(function (p) { return [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10]; });
  }

  function MaskCanvas(canvas, input, onChange) {
    this.canvas = canvas;
    this.input = input;
    this.onChange = onChange || function () {};
    this.width = 0;
    this.height = 0;
    this.shapes = [];   // {kind: "polygon" | "brush", polygons: [[[x, y], ...], ...]}
    this.current = [];  // the polygon being clicked, not yet closed
    this.stroke = null; // the brush stroke being painted
    this.pointer = null;
    this.tool = "polygon";
    this.radius = 8;
    this.enabled = true;
    this.load();
    this.bind();
  }

  MaskCanvas.prototype.load = function () {
    var polygons = [];
    try { polygons = JSON.parse(this.input.value || "[]"); } catch (e) { polygons = []; }
    if (!Array.isArray(polygons)) { polygons = []; }
    // Brush dabs are the only shapes with exactly CIRCLE_SIDES points drawn here; keep their look.
    this.shapes = polygons.map(function (p) {
      return { kind: p.length === CIRCLE_SIDES ? "brush" : "polygon", polygons: [p] };
    });
  };

  MaskCanvas.prototype.setFrame = function (width, height) {
    this.width = width;
    this.height = height;
    this.resize();
  };

  MaskCanvas.prototype.resize = function () {
    var ratio = window.devicePixelRatio || 1;
    var box = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(box.width * ratio));
    this.canvas.height = Math.max(1, Math.round(box.height * ratio));
    this.draw();
  };

  MaskCanvas.prototype.setTool = function (tool) { this.tool = tool; this.draw(); };
  MaskCanvas.prototype.setEnabled = function (on) {
    this.enabled = on;
    this.canvas.style.pointerEvents = on ? "auto" : "none";
    this.draw();
  };

  MaskCanvas.prototype.polygons = function () {
    var all = [];
    this.shapes.forEach(function (s) { all = all.concat(s.polygons); });
    return all;
  };

  MaskCanvas.prototype.save = function () {
    var polygons = this.polygons().map(round);
    // An unfinished polygon goes too, so the server can say what is wrong with it.
    if (this.current.length) { polygons.push(round(this.current)); }
    this.input.value = polygons.length ? JSON.stringify(polygons) : "";
    this.onChange(polygons);
  };

  MaskCanvas.prototype.framePoint = function (event) {
    var box = this.canvas.getBoundingClientRect();
    var x = (event.clientX - box.left) * this.width / box.width;
    var y = (event.clientY - box.top) * this.height / box.height;
    return [Math.min(this.width, Math.max(0, x)), Math.min(this.height, Math.max(0, y))];
  };

  MaskCanvas.prototype.displayScale = function () {
    var box = this.canvas.getBoundingClientRect();
    return this.width ? box.width / this.width : 1;
  };

  MaskCanvas.prototype.closePolygon = function () {
    if (this.current.length < 3) { return false; }
    if (area(this.current) < 1) { this.current = []; this.save(); this.draw(); return false; }
    this.shapes.push({ kind: "polygon", polygons: [this.current] });
    this.current = [];
    this.save();
    this.draw();
    return true;
  };

  MaskCanvas.prototype.circle = function (center) {
    var r = this.radius, w = this.width, h = this.height, points = [];
    for (var i = 0; i < CIRCLE_SIDES; i++) {
      var a = (2 * Math.PI * i) / CIRCLE_SIDES;
      points.push([
        Math.min(w, Math.max(0, center[0] + r * Math.cos(a))),
        Math.min(h, Math.max(0, center[1] + r * Math.sin(a))),
      ]);
    }
    return points;
  };

  MaskCanvas.prototype.paint = function (point) {
    var last = this.stroke.last;
    if (last && Math.hypot(point[0] - last[0], point[1] - last[1]) < Math.max(0.75, this.radius * 0.6)) {
      return;
    }
    var circle = this.circle(point);
    if (area(circle) >= 1) { this.stroke.polygons.push(circle); }
    this.stroke.last = point;
    this.draw();
  };

  MaskCanvas.prototype.undo = function () {
    if (this.current.length) { this.current.pop(); } else { this.shapes.pop(); }
    this.save();
    this.draw();
  };

  MaskCanvas.prototype.clear = function () {
    this.shapes = [];
    this.current = [];
    this.save();
    this.draw();
  };

  MaskCanvas.prototype.bind = function () {
    var self = this, canvas = this.canvas;
    canvas.addEventListener("pointerdown", function (event) {
      if (!self.enabled || !self.width || event.button !== 0) { return; }
      event.preventDefault();
      var point = self.framePoint(event);
      if (self.tool === "brush") {
        canvas.setPointerCapture(event.pointerId);
        self.stroke = { kind: "brush", polygons: [], last: null };
        self.paint(point);
        return;
      }
      var first = self.current[0];
      var near = first && Math.hypot(point[0] - first[0], point[1] - first[1]) * self.displayScale() < CLOSE_DISTANCE;
      if (near && self.current.length >= 3) { self.closePolygon(); return; }
      self.current.push(point);
      self.save();
      self.draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!self.width) { return; }
      self.pointer = self.framePoint(event);
      if (self.stroke) { self.paint(self.pointer); } else if (self.current.length) { self.draw(); }
    });
    canvas.addEventListener("pointerup", function () {
      if (!self.stroke) { return; }
      if (self.stroke.polygons.length) {
        self.shapes.push({ kind: "brush", polygons: self.stroke.polygons });
      }
      self.stroke = null;
      self.save();
      self.draw();
    });
    canvas.addEventListener("pointerleave", function () { self.pointer = null; self.draw(); });
    canvas.addEventListener("dblclick", function (event) {
      event.preventDefault();
      self.closePolygon();
    });
    window.addEventListener("resize", function () { self.resize(); });
  };

  MaskCanvas.prototype.path = function (ctx, points, scale) {
    ctx.beginPath();
    points.forEach(function (p, i) {
      if (i === 0) { ctx.moveTo(p[0] * scale, p[1] * scale); } else { ctx.lineTo(p[0] * scale, p[1] * scale); }
    });
  };

  MaskCanvas.prototype.draw = function () {
    var ctx = this.canvas.getContext("2d"), self = this;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.width) { return; }
    var scale = this.canvas.width / this.width;
    var ratio = window.devicePixelRatio || 1;
    var shapes = this.stroke ? this.shapes.concat([this.stroke]) : this.shapes;
    ctx.globalAlpha = this.enabled ? 1 : 0.5;
    shapes.forEach(function (shape) {
      ctx.fillStyle = "rgba(255, 45, 85, 0.38)";
      ctx.strokeStyle = "rgba(255, 45, 85, 0.95)";
      ctx.lineWidth = 2 * ratio;
      shape.polygons.forEach(function (polygon) {
        self.path(ctx, polygon, scale);
        ctx.closePath();
        ctx.fill();
        if (shape.kind === "polygon") { ctx.stroke(); }
      });
    });
    if (this.current.length) {
      ctx.strokeStyle = "#ffeb3b";
      ctx.lineWidth = 2 * ratio;
      var trail = this.pointer ? this.current.concat([this.pointer]) : this.current;
      this.path(ctx, trail, scale);
      ctx.stroke();
      this.current.forEach(function (p, i) {
        ctx.beginPath();
        ctx.fillStyle = i === 0 ? "#ffeb3b" : "#fff";
        ctx.arc(p[0] * scale, p[1] * scale, (i === 0 ? 5 : 3) * ratio, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
    if (this.tool === "brush" && this.pointer && this.enabled) {
      ctx.beginPath();
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1 * ratio;
      ctx.arc(this.pointer[0] * scale, this.pointer[1] * scale, this.radius * scale, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  };

  window.ClearcutMaskCanvas = MaskCanvas;
})();
