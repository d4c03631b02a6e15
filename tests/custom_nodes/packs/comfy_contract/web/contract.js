// An editor extension in the shape the editor loads: a module with a default export.
export default {
  name: "comfy_contract.hello",
  setup(app) {
    console.log("comfy_contract loaded", app);
  },
};
