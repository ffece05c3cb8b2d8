// Misuses the declarations must reject. tests/js/types.test.mjs requires tsc to report, for each
// line marked `// error TSxxxx`, exactly that error on that line, and no error on any other line:
// a declaration that loosened (an `any`, a widened union, a dropped `readonly`) fails the test.
// Never run.
import init, { BatchNorm as BatchNormClass, Trainer as TrainerClass, errorCodes } from 'simdnorm';
import type { SimdnormErrorCode, Trainer, TrainerConfig } from 'simdnorm';

const sn = await init();
const x = new Float32Array(16);

// Arrays must be Float32Array (number[] would be copied as garbage by Embind).
sn.foldIntoLinear([1, 2, 3, 4], null, { runningMean: x, runningVar: x }); // error TS2740
sn.batchNorm([1, 2, 3, 4], [2, 2], { training: true }); // error TS2769
new sn.BatchNorm(4).forward(x, [4, 4], [0, 0]); // error TS2769
new sn.Tensor([1, 2]); // error TS2345

// Shapes have 2 to 5 dims; options objects have known keys only.
sn.batchNorm(x, [16], { training: true }); // error TS2769
new sn.BatchNorm(4, { momemtum: 0.1 }); // error TS2561
new sn.BatchNorm(4, { layout: 'NHWC' }); // error TS2322

// The named classes take the same arguments; the module object is read-only.
new BatchNormClass('4'); // error TS2345
new TrainerClass({ lr: '0.1' }); // error TS2322
sn.Trainer = sn.Trainer; // error TS2540
sn.errorCodes = errorCodes; // error TS2540

// Parameters: assignment takes a Float32Array; gradients are read-only.
const bnp = new sn.BatchNorm(4);
bnp.weight = null; // error TS2322
bnp.bias = [1, 2, 3, 4]; // error TS2740
bnp.weightGrad = new Float32Array(4); // error TS2540

// Error codes: a closed set, read-only.
errorCodes.SHAPE = 'SIMDNORM_SHAPE'; // error TS2540
const unknownCode: SimdnormErrorCode = 'SIMDNORM_OOPS'; // error TS2322

// Trainer config: unknown keys, wrong names and wrong types.
new sn.Trainer({ momemtum: 0.1 }); // error TS2353
new sn.Trainer({ dataset: 'swirl' }); // error TS2322
new sn.Trainer({ activation: 'gelu' }); // error TS2322
new sn.Trainer({ optimizer: 'rmsprop' }); // error TS2322
new sn.Trainer({ init: 'kaiming' }); // error TS2322
new sn.Trainer({ hidden: '32,32' }); // error TS2322
new sn.Trainer({ batchNorm: 1 }); // error TS2322
new sn.Trainer({ lr: '0.1' }); // error TS2322
const badConfig: TrainerConfig = { dataset: 'spiral', seed: 1n }; // error TS2322

const t: Trainer = new sn.Trainer();
// Methods: argument types and the two different mode vocabularies.
t.trainSteps('10'); // error TS2345
t.evaluate({ split: 'validation' }); // error TS2322
t.evaluate({ mode: 'running' }); // error TS2322
t.evaluate({ folds: 5 }); // error TS2353
t.setBnInference('eval'); // error TS2345
t.setLearningRate(); // error TS2554
t.predict([0, 0]); // error TS2554
t.decisionGrid(8, 8, { xMin: -1, xMax: 1 }); // error TS2739
t.unitStats(); // error TS2554

// Results: read-only properties, typed arrays of the right kind.
t.step = 3; // error TS2540
t.config.lr = 1; // error TS2540
t.config.hidden.push(64); // error TS2339
sn.Trainer.defaults.batchSize = 8; // error TS2540
const probs: number[] = t.predict(0, 0).probs; // error TS2740
const labels: Float32Array = t.dataset().train.labels; // error TS2322
const label: string = t.predict(0, 0).label; // error TS2322
const mode: 'eval' | 'batch' = t.bnInference; // error TS2322
const stats = t.runningStats()[0].variance; // error TS2339

// BN variants: renorm limits are numbers, timeStep a number, sync parts typed.
new sn.BatchNorm(4, { renorm: { rmax: '3' } }); // error TS2322
new sn.BatchNorm(4, { timeSteps: 2 }).forward(x, [4, 4], { timeStep: '1' }); // error TS2769
sn.sync.mergeMoments([{ count: 4, mean: x }]); // error TS2741
new sn.BatchNorm(4).forward(x, [4, 4], { grad: 'no' }); // error TS2769
new sn.BatchNorm(4).backward(x, { grad: false }); // error TS2769

// sn.nn: layer specs by type, required arguments, typed arrays, read-only results.
new sn.nn.Sequential([{ type: 'conv2d', inChannels: 1, outChannels: 8 }], { inputShape: [1, 28, 28] }); // error TS2322
new sn.nn.Sequential([{ type: 'batchnorm2d', numFeatures: 8 }], { inputShape: [1, 28, 28] }); // error TS2820
new sn.nn.Sequential([{ type: 'relu', inplace: true }], { inputShape: [4] }); // error TS2353
new sn.nn.Sequential([{ type: 'linear', inFeatures: 4, outFeatures: '2' }], { inputShape: [4] }); // error TS2322
new sn.nn.Sequential([{ type: 'relu' }]); // error TS2554
new sn.nn.Sequential([{ type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: 'perstep' }], { inputShape: [5, 4] }); // error TS2820
new sn.nn.Sequential([{ type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: true }], { inputShape: [5, 4] }); // error TS2322
const nnModel = new sn.nn.Sequential([{ type: 'linear', inFeatures: 4, outFeatures: 2 }], { inputShape: [4] });
new sn.nn.SGD(nnModel, { momentum: 0.9 }); // error TS2741
new sn.nn.Adam(nnModel, { betas: [0.9] }); // error TS2322
new sn.nn.RMSprop(nnModel, { weight_decay: 0 }); // error TS2561
const nnOpt = new sn.nn.SGD(nnModel, { lr: 0.1 });
nnModel.trainStep(new Float32Array(4), [0], nnOpt); // error TS2740
nnModel.trainStep(new Float32Array(4), new Uint8Array(1), nnOpt); // error TS2345
nnModel.trainStep(new Float32Array(4), new Float32Array(2), nnOpt); // error TS2345
nnModel.trainStep(new Float32Array(4), new Int32Array(1), nnOpt, { loss: 'mse' }); // error TS2769
nnModel.trainStep(new Float32Array(4), new Int32Array(1), nnOpt, { loss: 'l1' }); // error TS2769
nnModel.forward([1, 2, 3, 4]); // error TS2740
nnModel.inputShape = [4]; // error TS2540
nnModel.stateDictShapes()['0.weight'] = []; // error TS2542
