/* The asset page's player: scrubbing, frame stepping at the clip's rate, an HH:MM:SS:FF timecode,
   and the "use the player's position" buttons beside the appearance times. */
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function Player(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.fps = parseFloat(root.dataset.fps) || 24;
    this.nominal = parseInt(root.dataset.nominalFps, 10) || Math.round(this.fps);
    this.frames = parseInt(root.dataset.frames, 10) || 0;
    this.scrub = root.querySelector(".cc-scrub");
    this.timecodeOut = root.querySelector(".cc-timecode");
    this.frameOut = root.querySelector(".cc-frame-number");
    this.playButton = root.querySelector(".cc-play");
    this.scrubbing = false;
    this.bind();
    this.show();
  }

  Player.prototype.frameAt = function (seconds) {
    return Math.max(0, Math.floor(seconds * this.fps + 1e-3));
  };

  Player.prototype.lastFrame = function () {
    if (this.frames) return this.frames - 1;
    var duration = this.video.duration;
    return isFinite(duration) ? Math.max(0, Math.ceil(duration * this.fps) - 1) : 0;
  };

  Player.prototype.timecode = function (frame) {
    var whole = Math.floor(frame / this.nominal);
    return pad(Math.floor(whole / 3600)) + ":" + pad(Math.floor(whole / 60) % 60) + ":" +
      pad(whole % 60) + ":" + pad(frame % this.nominal);
  };

  Player.prototype.currentFrame = function () {
    return Math.min(this.frameAt(this.video.currentTime), this.lastFrame());
  };

  Player.prototype.show = function () {
    var frame = this.currentFrame();
    this.timecodeOut.value = this.timecode(frame);
    this.timecodeOut.textContent = this.timecodeOut.value;
    this.frameOut.textContent = String(frame);
    if (!this.scrubbing) this.scrub.value = String(this.video.currentTime);
    this.playButton.textContent = this.video.paused ? "Play" : "Pause";
  };

  /* The middle of frame n: every browser shows frame n there, whatever its rounding. */
  Player.prototype.seekFrame = function (frame) {
    frame = Math.max(0, Math.min(frame, this.lastFrame()));
    this.video.pause();
    this.video.currentTime = (frame + 0.5) / this.fps;
  };

  Player.prototype.step = function (delta) { this.seekFrame(this.currentFrame() + delta); };

  Player.prototype.toggle = function () {
    if (this.video.paused) this.video.play(); else this.video.pause();
  };

  Player.prototype.tick = function () {
    var self = this;
    this.show();
    if (self.video.paused) return;
    if (self.video.requestVideoFrameCallback) {
      self.video.requestVideoFrameCallback(function () { self.tick(); });
    } else {
      window.requestAnimationFrame(function () { self.tick(); });
    }
  };

  Player.prototype.bind = function () {
    var self = this, video = this.video;
    ["timeupdate", "seeked", "pause", "loadedmetadata"].forEach(function (name) {
      video.addEventListener(name, function () { self.show(); });
    });
    video.addEventListener("loadedmetadata", function () {
      if (isFinite(video.duration)) self.scrub.max = String(video.duration);
    });
    video.addEventListener("play", function () { self.tick(); });
    video.addEventListener("click", function () { self.toggle(); });
    this.scrub.addEventListener("input", function () {
      self.scrubbing = true;
      video.currentTime = parseFloat(self.scrub.value);
      self.show();
    });
    this.scrub.addEventListener("change", function () { self.scrubbing = false; });
    this.playButton.addEventListener("click", function () { self.toggle(); });
    this.root.querySelectorAll("[data-step]").forEach(function (button) {
      button.addEventListener("click", function () { self.step(parseInt(button.dataset.step, 10)); });
    });
    this.root.addEventListener("keydown", function (event) {
      if (event.target.tagName === "INPUT") return;
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        self.step(event.key === "ArrowLeft" ? -1 : 1);
        event.preventDefault();
      } else if (event.key === " ") {
        self.toggle();
        event.preventDefault();
      }
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".cc-player");
    if (!root) return;
    root.tabIndex = 0;
    var player = new Player(root);
    window.ClearcutPlayer = player;
    document.querySelectorAll(".cc-now").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.target);
        if (input) input.value = player.timecode(player.currentFrame());
      });
    });
  });
})();
