// Confirming a scan without looking: a short tone and a vibration (a low double tone if not).
let audio = null;

export function signal(ok) {
  try {
    navigator.vibrate?.(ok ? 80 : [60, 60, 60]);
  } catch {
    /* vibration refused: the tone and the card remain */
  }
  try {
    audio ??= new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = ok ? 880 : 220;
    gain.gain.value = 0.25;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (ok ? 0.12 : 0.3));
  } catch {
    /* no sound on this phone */
  }
}
