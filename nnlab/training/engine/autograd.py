"""The autograd engine: a plain torch loop with `torch.optim`, on any device. It is the reference
the compiled engine is tested against, and it trains whatever the compiled engine does not
support, large work, and anything on a GPU."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from nnlab.choices import LOSSES, OPTIMIZERS, SCHEDULES
from nnlab.data.datasets import Data, batch_order
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment, TrainSpec
from nnlab.i18n import Message, msg
from nnlab.training.loop import EpochRun, Progress, train_runs
from nnlab.training.models import build_model, linear_layers, outputs_probability
from nnlab.training.result import TrainResult

CPU = torch.device("cpu")


def make_loss(exp: Experiment) -> nn.Module:
    return LOSSES[exp.training.loss].module()


def torch_optimizer(spec: TrainSpec, parameters) -> torch.optim.Optimizer:
    """torch.optim's own optimizer for these training settings. The rows' ranges keep within what
    torch takes; should one not, torch's ValueError is a ConfigError naming the setting."""
    optimizer = getattr(torch.optim, OPTIMIZERS[spec.optimizer].torch_name)
    try:
        return optimizer(parameters, lr=spec.learning_rate, **spec.optimizer_arguments())
    except ValueError as error:
        raise ConfigError(_refused(spec, str(error))) from None


def _refused(spec: TrainSpec, why: str) -> Message:
    """torch's complaint ("Invalid beta parameter at index 0: 1.5") as the setting it is about."""
    for row, value in spec.optimizer_settings():
        keyword = row.torch_name.removesuffix("s")
        if keyword in why.lower() and (row.torch_index is None or f"index {row.torch_index}" in why):
            return msg("{optimizer} cannot take {setting} = {value}.", optimizer=OPTIMIZERS[spec.optimizer].label,
                       setting=row.says, value=value)
    return msg("{optimizer} cannot take these settings (learning rate {rate}).",
               optimizer=OPTIMIZERS[spec.optimizer].label, rate=spec.learning_rate)


def penalty(exp: Experiment, weights: list[torch.Tensor]) -> torch.Tensor | float:
    """What L2 and L1 regularisation add to the mean loss: over the Linear layers' weights, not biases."""
    spec, total = exp.training, 0.0
    for weight in weights:
        if spec.l2:
            total = total + spec.l2 * 0.5 * weight.pow(2).sum()
        if spec.l1:
            total = total + spec.l1 * weight.abs().sum()
    return total


def count_correct(output: torch.Tensor, target: torch.Tensor, exp: Experiment, task: str) -> torch.Tensor:
    """Correct predictions in a batch, rounding a probability as the tutorials do (0.5 counts as 0)."""
    if task == "multiclass":
        return (output.argmax(dim=1) == target).sum()
    threshold = 0.5 if outputs_probability(exp, task) else 0.0
    return ((output > threshold).float() == target).sum()


class AutogradRun(EpochRun):
    """One network trained with autograd, epoch by epoch: the reference loop, and play mode's run
    where the autograd engine is chosen."""

    engine = "autograd"

    def __init__(self, exp: Experiment, data: Data, device: torch.device = CPU, reason: str = "",
                 epochs: int | None = None):
        super().__init__(exp, data, reason, epochs)
        self.torch_device, self.device = device, device.type  # the device itself, and its name for the readout
        self.model = build_model(exp, data.n_features, data.n_outputs, data.task)
        self.initial_state = copy.deepcopy(self.model.state_dict())
        self.model.to(device)
        self.x_train, self.y_train = data.x_train.to(device), data.y_train.to(device)
        self.x_test, self.y_test = data.x_test.to(device), data.y_test.to(device)
        self.loss_fn, self.optimizer = make_loss(exp), torch_optimizer(exp.training, self.model.parameters())
        factor = SCHEDULES[exp.training.schedule].factor
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda epoch: factor(epoch, self.epochs))
        self.weights = [layer.weight for layer in linear_layers(self.model).values()]
        self.sizes = torch.tensor([weight.numel() for weight in self.weights], dtype=torch.float32, device=device)
        self.shuffler = torch.Generator().manual_seed(exp.seed + 1)
        self.last_finite = copy.deepcopy(self.initial_state)

    def advance(self, epochs: int) -> int:
        done = 0
        while done < epochs and not self.finished:
            row, gradients = self._train_epoch()
            row = {"epoch": self.epoch + 1, **row}
            if not all(math.isfinite(value) for value in row.values()):
                self.diverged_at = row["epoch"]
                self.model.load_state_dict(self.last_finite)
                break
            self.rows.append(row)
            self.gradient_flow.append(gradients)
            self.last_finite = {name: tensor.detach().clone() for name, tensor in self.model.state_dict().items()}
            done += 1
        return done

    def _train_epoch(self) -> tuple[dict[str, float], list[float]]:
        """One epoch: its history row (the mean loss, without regularisation) and each Linear
        layer's mean absolute weight gradient, averaged over the epoch's steps."""
        exp, data, model = self.exp, self.data, self.model
        model.train()
        total_loss = torch.zeros((), device=self.torch_device)
        correct = torch.zeros((), device=self.torch_device)
        gradients = torch.zeros(len(self.weights), device=self.torch_device)
        steps = 0
        for part in batch_order(len(self.x_train), exp.training.batch_size, exp.training.shuffle, self.shuffler):
            x, y = self.x_train[part], self.y_train[part]
            self.optimizer.zero_grad()
            output = model(x)
            loss = self.loss_fn(output, y)
            (loss + penalty(exp, self.weights) if exp.training.l2 or exp.training.l1 else loss).backward()
            # each layer's sum of |gradient| in one fused call (as clip_grad_norm_ takes them): a call per
            # layer cost the bump lesson 2% of its time
            gradients += torch.stack(torch._foreach_norm([weight.grad for weight in self.weights], 1))
            steps += 1
            self.optimizer.step()
            total_loss += loss.detach() * len(x)
            if data.hard_labels:
                correct += count_correct(output.detach(), y, exp, data.task)
        self.scheduler.step()
        row = {"train_loss": total_loss.item() / len(self.x_train)}
        if data.hard_labels:
            row["train_acc"] = correct.item() / len(self.x_train)
        if data.has_test:
            row.update(self._evaluate())
        return row, (gradients / (max(steps, 1) * self.sizes)).tolist()

    def _evaluate(self) -> dict[str, float]:
        self.model.eval()
        with torch.no_grad():
            output = self.model(self.x_test)
            row = {"test_loss": self.loss_fn(output, self.y_test).item()}
            if self.data.hard_labels:
                row["test_acc"] = count_correct(output, self.y_test, self.exp, self.data.task).item() / len(self.x_test)
        return row

    def current_model(self) -> nn.Sequential:
        return copy.deepcopy(self.model).cpu().eval()  # back at the last finite weights after a divergence

    def state(self, model: int = 0) -> dict:
        return {name: tensor.cpu() for name, tensor in self.last_finite.items()}


def train(exp: Experiment, data: Data, epochs: int, device: torch.device, reason: str,
          progress: Progress | None = None, with_history: bool = False) -> TrainResult:
    """The reference: train `exp` for `epochs` with autograd, through the engines' one loop."""
    run = AutogradRun(exp, data, device, reason, epochs)
    return train_runs(run, exp.training.snapshot_interval(epochs), progress, with_history)[0]
