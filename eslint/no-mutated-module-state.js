// ESLint rule: a container made at module level (`const x = new Map()`, `[]`, `{...}`) must
// not be mutated by its module. Module state outlives every instance, is shared by every
// server or client in one process (the tests run several), and survives what a restart in
// the simulator should wipe: state belongs to the object that owns it. A `const` table that
// is filled once where it is declared and then only read is allowed.
//
// What it sees: calls of mutating methods (set, add, delete, clear, push, splice, ...),
// assignments, ++/--, `delete` and Object.assign/defineProperty on the container or on
// anything reached through its properties, anywhere in the module. What it cannot see: a
// container handed to a function that mutates it, or mutated by another module that imports
// it (export a frozen value, or a function, instead).

const CONTAINER_CLASSES = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array', 'Object']);
const MUTATORS = new Set(['set', 'add', 'delete', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);
const MUTATING_OBJECT_FNS = new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf']);

function isContainer(init) {
  if (!init) return false;
  if (init.type === 'TSAsExpression' || init.type === 'TSSatisfiesExpression' || init.type === 'TSTypeAssertion') return isContainer(init.expression);
  if (init.type === 'ArrayExpression' || init.type === 'ObjectExpression') return true;
  return init.type === 'NewExpression' && init.callee.type === 'Identifier' && CONTAINER_CLASSES.has(init.callee.name);
}

/** The outermost member expression of `x.a.b[c]` starting at the identifier `x`. */
function memberChainTop(identifier) {
  let node = identifier;
  while (node.parent && node.parent.type === 'MemberExpression' && node.parent.object === node) node = node.parent;
  return node;
}

/** Why this reference mutates the container, or null when it only reads it. */
function mutation(identifier) {
  const parent = identifier.parent;
  if (parent?.type === 'CallExpression' && parent.arguments[0] === identifier) {
    const c = parent.callee;
    if (c.type === 'MemberExpression' && c.object.type === 'Identifier' && c.object.name === 'Object' && c.property.type === 'Identifier' && MUTATING_OBJECT_FNS.has(c.property.name)) {
      return `Object.${c.property.name}`;
    }
  }
  const top = memberChainTop(identifier);
  if (top === identifier) return null;
  const up = top.parent;
  if (up.type === 'AssignmentExpression' && up.left === top) return 'an assignment';
  if (up.type === 'UpdateExpression' && up.argument === top) return `${up.operator}`;
  if (up.type === 'UnaryExpression' && up.operator === 'delete' && up.argument === top) return 'delete';
  // x.push(...), x.inner.set(...): the call's callee is the member chain's top.
  if (up.type === 'CallExpression' && up.callee === top && top.property.type === 'Identifier' && MUTATORS.has(top.property.name)) {
    return `.${top.property.name}()`;
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'forbid mutating containers created at module level (module-level mutable state)' },
    schema: [],
    messages: {
      mutated: "module-level '{{name}}' is mutated here ({{how}}): module state outlives every instance; keep it in the object that owns it",
    },
  },
  create(context) {
    return {
      Program(program) {
        for (const statement of program.body) {
          const decl = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
          if (!decl || decl.type !== 'VariableDeclaration' || decl.kind !== 'const') continue;
          for (const declarator of decl.declarations) {
            if (declarator.id.type !== 'Identifier' || !isContainer(declarator.init)) continue;
            for (const variable of context.sourceCode.getDeclaredVariables(declarator)) {
              for (const ref of variable.references) {
                if (ref.init) continue;
                const how = mutation(ref.identifier);
                if (how) context.report({ node: ref.identifier, messageId: 'mutated', data: { name: variable.name, how } });
              }
            }
          }
        }
      },
    };
  },
};
