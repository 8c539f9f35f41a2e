// An error whose message is meant for the person who asked: what is wrong and what to do.
// Faces show it as it is (the bot prefixes ❌); any other error is an internal failure.
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}
