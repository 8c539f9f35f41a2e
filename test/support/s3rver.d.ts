// The test S3 server ships no types; the little test/support/s3-server.ts uses of it.
declare module "@20minutes/s3rver" {
  export default class S3rver {
    constructor(options: Record<string, unknown>);
    run(): Promise<unknown>;
    close(): Promise<void>;
  }
}

// Its filesystem store, whose listing s3-server.ts corrects.
declare module "@20minutes/s3rver/lib/stores/filesystem.js" {
  export default class FilesystemStore {
    listObjects(bucket: string, options: Record<string, unknown>): Promise<unknown>;
  }
}
