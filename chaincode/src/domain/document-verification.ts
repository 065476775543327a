/** Answer of `verifyDocument`. */
export interface DocumentVerification {
  readonly assetId: string;
  readonly name: string;
  /** True when the given SHA-256 equals the recorded one. */
  readonly matches: boolean;
  readonly recordedSha256: string;
  readonly addedByOrg: string;
  readonly addedAt: string;
  readonly txId: string;
}
