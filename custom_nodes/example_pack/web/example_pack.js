// The example pack's editor extension. The editor import()s every script GET /extensions lists;
// a module may export its extension as the default export (or call
// window.worldgraph.registerExtension with the same object).
export default {
  name: "example_pack.badge",
  setup(app) {
    console.info("example_pack: editor extension loaded", app);
  },
};
