// Ids in the API's style: a prefix and 26 lowercase Crockford base-32 characters, time-ordered
// (10 for the millisecond clock, 16 random), like `sbx_01jc8k2m9q4r7t3v6w8x0y2z4a`.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(prefix: "sbx" | "vol" | "snap" | "exec"): string {
  let time = "";
  for (let t = Date.now(), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  const random = Array.from(randomBytes(16), (b) => ALPHABET[b % 32]).join("");
  return `${prefix}_${time}${random}`;
}
