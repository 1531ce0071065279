// ESLint (flat config) with typescript-eslint's recommended rules; formatting is prettier's job
// (.prettierrc.json). Run by `npm run lint`, which `npm test` calls.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", ".portico/**", "helm/**", "crds/**", "src/api/types.generated.ts", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names are already type errors (tsconfig noUnusedLocals/Parameters); `_x` marks an intended one.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // nginx-values.ts and the annotation validators match control characters on purpose (to refuse them).
      "no-control-regex": "off",
      // Regexes over nginx and URL syntax escape `/` and `[` for the reader; the escapes are harmless.
      "no-useless-escape": "off",
      // `catch {}`: a best-effort cleanup whose failure means there is nothing left to clean.
      "no-empty": ["error", { allowEmptyCatch: true }],
      // express.d.ts declares the module for Pepr's bundled express (src/k8s/webhook-body-limit.ts).
      "@typescript-eslint/triple-slash-reference": "off",
    },
  },
  {
    // Tests reach into loosely typed API answers and fixtures.
    files: ["**/*.test.ts", "e2e/**", "src/testing/**", "src/core/test-fixtures.ts", "bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
