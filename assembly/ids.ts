// The ids the engine passes to the module for an activation, a loss and an optimizer: one source,
// compiled by asc (assembly/act.ts, loss.ts, optim.ts, net.ts) and by tsc (src/engine/net.ts), so
// the two sides cannot disagree. Plain integer constants only: valid AssemblyScript and TypeScript.
export const ACT_IDENTITY = 0;
export const ACT_RELU = 1;
export const ACT_LEAKYRELU = 2;
export const ACT_GELU = 3;
export const ACT_SIGMOID = 4;
export const ACT_TANH = 5;

export const LOSS_LOGISTIC = 0;
export const LOSS_HINGE = 1;
export const LOSS_MSE = 2;
/** C >= 2 outputs, targets are class indices (assembly/loss.ts) */
export const LOSS_SOFTMAX = 3;

export const OPT_SGD = 0;
export const OPT_ADAM = 1;
export const OPT_ADAMW = 2;
