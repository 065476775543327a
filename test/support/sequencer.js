// The order of the end-to-end suites, the same on every machine: by path. They share one
// network, so the order matters (e.g. partner onboarding moves the chaincode sequence). Jest's
// default order puts suites that failed or ran long last time first, from a timing cache in /tmp,
// so a warm machine ran them in another order than CI's fresh one, and a suite that failed once
// changed the next run's order.
const Sequencer = require('@jest/test-sequencer').default;

class ByPath extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

module.exports = ByPath;
