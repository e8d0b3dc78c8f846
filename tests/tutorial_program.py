"""The tutorial's program, its indentation and its `training_iterations` typo mended.

The tests run its `__main__` block twice: once with this class, once with
`from neuronet import Neuron` in its place, and compare what each prints.
"""

from numpy import array, dot, exp, random


class Neuron():
    def __init__(self):
        random.seed(15)
        self.weights = 2 * random.random((3, 1)) - 1

    def __sigmoid(self, x):
        return 1 / (1 + exp(-x))

    def __sigmoid_derivative(self, x):
        return x * (1 - x)

    def run(self, inputs):
        return self.__sigmoid(dot(inputs, self.weights))

    def train(self, training_inputs, training_outputs, iterations):
        for iteration in range(iterations):  # noqa: B007 - the tutorial's loop
            output = self.run(training_inputs)
            error = training_outputs - output
            confidence = error * self.__sigmoid_derivative(output)
            adjustment = dot(training_inputs.T, confidence)
            self.weights += adjustment


MAIN_BLOCK = '''
if __name__ == "__main__":
    network = Neuron()
    print("Random starting weights: ")
    print(network.weights)
    inputs = array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    expected_outputs = array([[0, 1, 1, 0]]).T
    network.train(inputs, expected_outputs, 10000)
    print("New weights after training: ")
    print(network.weights)
    # Test the neural network with new input.
    print("Test of input [1, 0, 0] -> ?: ")
    print(network.run(array([1, 0, 0])))
'''
