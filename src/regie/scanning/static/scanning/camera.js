// Reading QR cards with the camera: BarcodeDetector where the browser has it, else jsQR.
const EVERY_MS = 150;
const WIDTH = 480;

function load(url) {
  if (window.jsQR) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

async function native() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    if (!(await BarcodeDetector.getSupportedFormats()).includes("qr_code")) return null;
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  } catch {
    return null;
  }
}

async function decoder(jsqrUrl) {
  const found = await native();
  if (found) return found;
  await load(jsqrUrl);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    const scale = Math.min(1, WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };
}

// Start the back camera in `video` and call `onCode(text)` for each code read; return stop().
export async function start(video, onCode, jsqrUrl) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const read = await decoder(jsqrUrl);
  let timer = null;
  const tick = async () => {
    if (video.readyState >= 2) {
      const code = await read(video).catch(() => null);
      if (code) onCode(code);
    }
    if (video.srcObject) timer = setTimeout(tick, EVERY_MS);
  };
  tick();
  return () => {
    clearTimeout(timer);
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
}
