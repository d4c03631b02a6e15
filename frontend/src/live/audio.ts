/**
 * Live sound: a placeholder with the player's shape, until the sound player lands (it is being written
 * beside this). The viewport hands it every binary message whose header says `"type": "audio"`.
 */

export interface LiveAudio {
  push(message: ArrayBuffer): void;
  close(): void;
}

export function createLiveAudio(): LiveAudio {
  return { push: () => undefined, close: () => undefined };
}
